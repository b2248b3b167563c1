package importer

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// picgoStore installs @picgo/store (testdata/picgo-store/package.json,
// its lock file pinning 2.2.2) once per machine, in the user's cache
// folder, and returns the folder holding write.js and node_modules.
func picgoStore(t *testing.T) string {
	t.Helper()
	testkit.Need(t, "node", "npm")
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "thumbdrop", "npm", "picgo-store-2.2.2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package.json", "package-lock.json", "write.js"} {
		b, err := os.ReadFile(fixture("picgo-store", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@picgo", "store", "package.json")); errors.Is(err, os.ErrNotExist) {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci @picgo/store: %v\n%s", err, out)
		}
	}
	return dir
}

// runPicGoStore runs plan (testdata/picgo-store's format) with PicGo's
// own store in dir.
func runPicGoStore(t *testing.T, store, plan, dir string) {
	t.Helper()
	cmd := exec.Command("node", filepath.Join(store, "write.js"), plan)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node write.js %s: %v\n%s", plan, err, out)
	}
}

// TestPicGoStoreWritesTheFixtures runs testdata/picgo-store/plan.json with
// PicGo's own library (@picgo/store, which PicGo 2.x and PicList write
// their galleries and data.json with) and reads what it wrote: the same as
// the committed fixtures the fast tier reads.
func TestPicGoStoreWritesTheFixtures(t *testing.T) {
	store := picgoStore(t)
	dir := t.TempDir()
	plan, err := filepath.Abs(fixture("picgo-store", "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	runPicGoStore(t, store, plan, dir)
	for _, c := range []struct {
		app  App
		file string
	}{{PicGo, "picgo.db"}, {PicList, "piclist.db"}, {PicGo, "data.json"}} {
		fresh := read(t, c.app, filepath.Join(dir, c.file))
		committed := read(t, c.app, fixture("generated", c.file))
		if !reflect.DeepEqual(fresh, committed) {
			t.Errorf("%s as PicGo's store writes it now:\n%+v\ncommitted:\n%+v", c.file, fresh, committed)
		}
	}
	if _, err := Read(context.Background(), PicGo, filepath.Join(dir, "data-migrated.json"), nil); err == nil {
		t.Error("a migrated data.json read as a gallery")
	}
}
