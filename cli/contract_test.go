package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

func historyLen(t *testing.T, c *cliEnv) int {
	t.Helper()
	_, out, _ := c.run("", "history", "--json")
	if strings.TrimSpace(out) == "" {
		return 0
	}
	return len(strings.Split(strings.TrimSpace(out), "\n"))
}

// upload DIR uploads the images inside it, as a drop does; other files in
// the folder are passed over silently.
func TestUploadFolder(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "a.jpg"))
	testkit.CopyCorpus(t, "video-001.png", filepath.Join(dir, "sub", "b.png"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.jpg"), []byte("x"), 0o644)
	code, stdout, stderr := c.run("", "upload", "--json", "--no-wait", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r struct{ File, Status string }
		json.Unmarshal([]byte(l), &r)
		names = append(names, filepath.Base(r.File)+":"+r.Status)
	}
	if strings.Join(names, " ") != "a.jpg:uploaded b.png:uploaded" {
		t.Fatalf("uploaded %v", names)
	}
	empty := t.TempDir()
	if code, _, stderr := c.run("", "upload", empty); code != 1 || !strings.Contains(stderr, "holds no images") {
		t.Errorf("empty folder: %d %q", code, stderr)
	}
}

// Usage errors stop the command before anything is uploaded.
func TestUploadUsageErrorsUploadNothing(t *testing.T) {
	c := newCLI(t)
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg"))
	for _, args := range [][]string{
		{"upload", "--format", "markdwon", p},
		{"upload", "--format", "", p, "--json"},
		{"upload", "--timeout", "0s", p},
		{"upload", "--timeout", "-5s", p},
		{"upload", "--timeout", "soon", p},
		{"upload", "--bogus", p},
	} {
		code, stdout, stderr := c.run("", args...)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "thumbdrop: ") {
			t.Errorf("%v: exit %d stdout %q stderr %q; want 2 and one message", args, code, stdout, stderr)
		}
	}
	if n := historyLen(t, c); n != 0 {
		t.Fatalf("%d uploads after usage errors", n)
	}
	// A custom template is a format.
	if code, stdout, stderr := c.run("", "upload", "--no-wait", "--format", "<img src=\"{url}\" alt=\"{name}\">", p); code != 0 ||
		!strings.HasPrefix(stdout, `<img src="http://`) || !strings.Contains(stdout, `alt="a.jpg"`) {
		t.Errorf("template: %d %q %q", code, stdout, stderr)
	}
}

// The same file twice in one command is uploaded once; the second is a
// duplicate with the same links.
func TestUploadSameFileTwice(t *testing.T) {
	c := newCLI(t)
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg"))
	q := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "copy of a.jpg"))
	code, stdout, stderr := c.run("", "upload", "--json", p, p, q)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var recs []struct{ Key, Status, URL string }
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r struct{ Key, Status, URL string }
		json.Unmarshal([]byte(l), &r)
		recs = append(recs, r)
	}
	if len(recs) != 3 {
		t.Fatalf("%d lines for 3 files: %s", len(recs), stdout)
	}
	if recs[0].Status != "ready" || recs[1].Status != "duplicate" || recs[2].Status != "duplicate" ||
		recs[0].Key != recs[1].Key || recs[0].URL != recs[1].URL || recs[0].Key != recs[2].Key {
		t.Fatalf("records %+v", recs)
	}
	if !strings.HasSuffix(recs[0].Key, "_a.jpg") {
		t.Errorf("the first file named the upload: %s", recs[0].Key)
	}
	if n := historyLen(t, c); n != 1 {
		t.Errorf("history holds %d", n)
	}
}

func TestVersionAndHelp(t *testing.T) {
	var out strings.Builder
	if code, stdout, _ := run(t, "", "--version"); code != 0 || !strings.HasPrefix(stdout, "thumbdrop ") {
		t.Errorf("--version: %d %q", code, stdout)
	}
	for _, cmd := range []string{"upload", "serve", "thumbnail", "login", "logout", "history", "delete", "config"} {
		code, stdout, stderr := run(t, "", cmd, "--help")
		if code != 0 || !strings.Contains(stdout, "usage: thumbdrop "+cmd) || stderr != "" {
			t.Errorf("%s --help: exit %d stdout %q stderr %q", cmd, code, stdout, stderr)
		}
		out.WriteString(stdout)
	}
	if code, _, _ := run(t, "", "upload", "-h"); code != 0 {
		t.Error("upload -h")
	}
}

// thumbnail -o never replaces an input, and names each output after the
// format written: where that name is taken, the next free one, said so.
func TestThumbnailNeverOverwritesInputs(t *testing.T) {
	dir := t.TempDir()
	jpg := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "photo.jpg"))
	webp := testkit.Copy(t, testkit.XImage(t, "blue-purple-pink.lossy.webp"), filepath.Join(dir, "photo.webp"))
	tiff := testkit.Copy(t, testkit.XImage(t, "video-001.tiff"), filepath.Join(dir, "scan.TIFF"))
	orig, _ := os.ReadFile(jpg)
	code, stdout, stderr := run(t, "", "thumbnail", "--json", "-o", dir, jpg, webp, tiff)
	if code != 0 || strings.Count(stderr, "exists and is kept") != 2 || strings.Count(stderr, "\n") != 2 {
		t.Fatalf("-o the input's folder: exit %d %q", code, stderr)
	}
	if now, _ := os.ReadFile(jpg); string(now) != string(orig) {
		t.Fatal("the input was replaced by its thumbnail")
	}
	var outs []string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r thumbJSON
		json.Unmarshal([]byte(l), &r)
		outs = append(outs, filepath.Base(r.Output)+" "+r.ContentType)
	}
	// photo.jpg's thumbnail would be photo.jpg itself; photo.webp's JPEG
	// would be photo.jpg too, then photo-2.jpg, just written. The TIFF's
	// is scan.jpg.
	want := "photo-2.jpg image/jpeg|photo-3.jpg image/jpeg|scan.jpg image/jpeg"
	if got := strings.Join(outs, "|"); got != want {
		t.Errorf("outputs %q, want %q", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "scan.TIFF")); len(b) == 0 {
		t.Error("the TIFF input was touched")
	}
}

// A FIFO given as a file is refused at once (opening it would wait for a
// writer forever), by upload and by thumbnail; a folder's symlinks to
// images are followed, a symlink loop is not.
func TestFIFOAndSymlinks(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.jpg")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	c := newCLI(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if code, _, stderr := c.run("", "upload", fifo); code != 1 || !strings.Contains(stderr, "pipe.jpg is not a regular file") {
			t.Errorf("upload a FIFO: %d %q", code, stderr)
		}
		if code, _, stderr := c.run("", "thumbnail", "-o", t.TempDir(), fifo); code != 1 || !strings.Contains(stderr, "not a regular file") {
			t.Errorf("thumbnail a FIFO: %d %q", code, stderr)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a FIFO hangs the command")
	}

	album := filepath.Join(dir, "album")
	os.MkdirAll(album, 0o755)
	real := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "elsewhere", "real.jpg"))
	os.Symlink(real, filepath.Join(album, "linked.jpg"))
	os.Symlink(album, filepath.Join(album, "loop")) // a loop
	os.Symlink(filepath.Join(dir, "missing.jpg"), filepath.Join(album, "dangling.jpg"))
	os.Symlink(fifo, filepath.Join(album, "pipe.jpg")) // a FIFO through a link
	code, stdout, stderr := c.run("", "upload", "--json", "--no-wait", album)
	if code != 0 || strings.Count(stdout, "\n") != 1 || !strings.Contains(stdout, `linked.jpg"`) {
		t.Fatalf("folder with links: %d %q %q", code, stdout, stderr)
	}
}
