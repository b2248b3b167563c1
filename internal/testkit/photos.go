package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// PhotoDir is the folder of real camera photos scripts/fetch-photos.sh
// fetches ($THUMBDROP_PHOTOS, default ~/.cache/thumbdrop/photos). When
// they are not there (fetch-photos.sh writes .complete last), the test is
// skipped, or failed under THUMBDROP_REQUIRE_PHOTOS=1 (make test).
func PhotoDir(t testing.TB) string {
	t.Helper()
	dir := photoDir()
	if !exists(filepath.Join(dir, ".complete")) {
		noPhotos(t, "real photos missing in "+dir+": run scripts/fetch-photos.sh")
	}
	return dir
}

// Photo is the path of one real photo, e.g. "Elephants_12MP.jpg" (12 MP
// camera JPEG), "Storm.jpg" (1920x1280), "Phone_48MP.jpg",
// "Arc-Colors-Transparent-Wallpaper.png" (transparent).
func Photo(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(photoDir(), name)
	if !exists(p) {
		noPhotos(t, p+" missing: run scripts/fetch-photos.sh")
	}
	return p
}

// ReadPhoto reads one real photo.
func ReadPhoto(t testing.TB, name string) []byte {
	t.Helper()
	return Read(t, Photo(t, name))
}

// PhotoBytes reads one real photo for a benchmark or a tool, without a
// test to skip: ok is false when it is missing.
func PhotoBytes(name string) (data []byte, ok bool) {
	b, err := os.ReadFile(filepath.Join(photoDir(), name))
	return b, err == nil
}

func photoDir() string {
	if dir := os.Getenv("THUMBDROP_PHOTOS"); dir != "" {
		return dir
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "thumbdrop", "photos")
}

func noPhotos(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("THUMBDROP_REQUIRE_PHOTOS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
