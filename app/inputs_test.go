package app_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestExpandRelativeFolderWithLoop: a folder named relatively ("upload
// .") that holds a symlink back to itself by its absolute path lists each
// image once, as the absolute name does.
func TestExpandRelativeFolderWithLoop(t *testing.T) {
	dir := t.TempDir()
	testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "a.jpg"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	testkit.CopyCorpus(t, "video-001.png", filepath.Join(dir, "sub", "b.png"))
	abs, _ := filepath.EvalSymlinks(dir)
	if err := os.Symlink(abs, filepath.Join(dir, "sub", "back")); err != nil {
		if runtime.GOOS == "windows" {
			t.Skip("symlinks need a privilege on Windows:", err)
		}
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, arg := range []string{".", "./", abs, "sub/back"} {
		files, refused := app.Split(app.ExpandPaths([]string{arg}))
		if len(files) != 2 || len(refused) != 0 {
			t.Errorf("upload %s lists %v (refused %v), want a.jpg and sub/b.png once each", arg, files, refused)
		}
	}
}
