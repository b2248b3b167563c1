package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

var bg = context.Background()

func openStore(t *testing.T, dir string, withResize bool) *Store {
	t.Helper()
	o := Options{BaseURL: "http://127.0.0.1:8586"}
	if withResize {
		rc := resize.DefaultConfig()
		o.Resize = &rc
	}
	s, err := Open(dir, "", o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUploadMakesThumbnailAndKeepsMetadata(t *testing.T) {
	s := openStore(t, t.TempDir(), true)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	key := "original/1700000000000_제주 (1)+%.jpg"
	err := s.Upload(bg, key, bytes.NewReader(jpg), int64(len(jpg)), storage.PutOptions{
		ContentType: "image/jpeg", Metadata: map[string]string{"sha256": "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Head(bg, key)
	if err != nil || info.Size != int64(len(jpg)) || info.ContentType != "image/jpeg" || info.Metadata["sha256"] != "abc" {
		t.Fatalf("head: %+v %v", info, err)
	}
	if info.CacheControl != resize.DefaultCacheControl {
		t.Errorf("the original is stored with Cache-Control %q, want %q", info.CacheControl, resize.DefaultCacheControl)
	}
	th, tinfo, err := s.Get(bg, "thumb/1700000000000_제주 (1)+%.jpg")
	if err != nil {
		t.Fatalf("no thumbnail after Upload returned: %v", err)
	}
	m, _, err := image.Decode(th)
	th.Close()
	if err != nil || m.Bounds().Dx() > 200 || tinfo.ContentType != "image/jpeg" ||
		tinfo.CacheControl != resize.DefaultCacheControl || tinfo.Metadata[resize.MetaSourceWidth] != "150" {
		t.Fatalf("thumbnail %v %+v", err, tinfo)
	}
	if got := s.URL(key); got != "http://127.0.0.1:8586/thumbdrop/original/1700000000000_%EC%A0%9C%EC%A3%BC%20%281%29%2B%25.jpg" {
		t.Errorf("url %s", got)
	}
	// Keys outside original/ get no thumbnail (no recursion).
	s.Upload(bg, "elsewhere/a.jpg", bytes.NewReader(jpg), int64(len(jpg)), storage.PutOptions{})
	if _, err := s.Head(bg, "thumb/a.jpg"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a key outside original/ was resized: %v", err)
	}
}

// TestNeverReplaces: of many uploads of one key at once, exactly one
// wins; the others fail with ErrExists, and the stored bytes are the
// winner's, whole.
func TestNeverReplaces(t *testing.T) {
	s := openStore(t, t.TempDir(), false)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	bodies := make([][]byte, n)
	for i := 0; i < n; i++ {
		bodies[i] = bytes.Repeat([]byte{byte(i)}, 3<<20)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.Upload(bg, "original/1_same.jpg", bytes.NewReader(bodies[i]), int64(len(bodies[i])), storage.PutOptions{})
		}(i)
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("uploads %d and %d both won", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, storage.ErrExists):
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	r, _, err := s.Get(bg, "original/1_same.jpg")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if won < 0 || !bytes.Equal(got, bodies[won]) {
		t.Fatal("the stored object is not the winner's bytes")
	}
}

// TestKilledUploadLeavesNothing: a process killed while writing leaves no
// object in sight, only a temporary file that a later open sweeps once it
// is old.
func TestKilledUploadLeavesNothing(t *testing.T) {
	if dir := os.Getenv("LOCAL_KILL_DIR"); dir != "" {
		s, _ := Open(dir, "", Options{})
		pr, pw := io.Pipe()
		go func() {
			for i := 0; ; i++ {
				pw.Write(bytes.Repeat([]byte{1}, 1<<20))
				if i == 5 {
					os.WriteFile(filepath.Join(dir, "writing"), nil, 0o600)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		s.Upload(bg, "original/1_big.jpg", readSeeker{pr}, 1<<30, storage.PutOptions{})
		return
	}
	testkit.Heavy(t, "starts a process (the test binary again)")
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledUploadLeavesNothing$")
	cmd.Env = append(os.Environ(), "LOCAL_KILL_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, "writing")); err == nil {
			break
		}
		if i > 1000 {
			cmd.Process.Kill()
			t.Fatal("the writer never got going")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	s := openStore(t, dir, false)
	if _, err := s.Head(bg, "original/1_big.jpg"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a killed upload is in sight: %v", err)
	}
	n := 0
	s.Walk("", func(string, time.Time) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d objects after a killed upload", n)
	}
	// The store works on; the leftover goes once it is an hour old.
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	if err := s.Upload(bg, "original/1_big.jpg", bytes.NewReader(jpg), int64(len(jpg)), storage.PutOptions{}); err != nil {
		t.Fatalf("upload after the kill: %v", err)
	}
	tmps, _ := os.ReadDir(s.tmpDir())
	if len(tmps) != 1 {
		t.Fatalf("%d temporary files, want the killed one's", len(tmps))
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(s.tmpDir(), tmps[0].Name()), old, old)
	openStore(t, dir, false)
	if tmps, _ := os.ReadDir(s.tmpDir()); len(tmps) != 0 {
		t.Errorf("the old leftover was not swept")
	}
}

type readSeeker struct{ io.Reader }

func (readSeeker) Seek(int64, int) (int64, error) { return 0, nil }

// TestNoMetadataSniffed: an object whose metadata were never written (a
// crash between publishing and writing them, or an earlier version's
// object) is served with its Content-Type sniffed from its bytes.
func TestNoMetadataSniffed(t *testing.T) {
	s := openStore(t, t.TempDir(), false)
	png := testkit.ReadCorpus(t, "video-001.png")
	p := filepath.Join(s.Root(), "original", "1_x.png")
	os.MkdirAll(filepath.Dir(p), 0o700)
	os.WriteFile(p, png, 0o600)
	os.WriteFile(filepath.Join(s.Root(), "thumb", "1_x.png.refused"), []byte(`{"kind":"corrupt"}`), 0o600)
	if info, err := s.Head(bg, "original/1_x.png"); err != nil || info.ContentType != "image/png" {
		t.Fatalf("%+v %v", info, err)
	}
}

// TestMigratesGofakes3Objects: objects an earlier version kept in its
// embedded S3 server's folder keep their keys (and links).
func TestMigratesGofakes3Objects(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "s3", "buckets", DefaultBucket, "original", "1_old.jpg")
	os.MkdirAll(filepath.Dir(old), 0o700)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	os.WriteFile(old, jpg, 0o600)
	os.MkdirAll(filepath.Join(dir, "s3", "metadata", DefaultBucket), 0o700)
	s := openStore(t, dir, false)
	info, err := s.Head(bg, "original/1_old.jpg")
	if err != nil || info.Size != int64(len(jpg)) || info.ContentType != "image/jpeg" {
		t.Fatalf("migrated object: %+v %v", info, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "s3")); !os.IsNotExist(err) {
		t.Error("the old folder is still there")
	}
}

// TestRecover: an original whose uploader died before resizing gets its
// thumbnail when the agent starts.
func TestRecover(t *testing.T) {
	dir := t.TempDir()
	plain := openStore(t, dir, false)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	for i := 0; i < 3; i++ {
		plain.Upload(bg, fmt.Sprintf("original/%d_a.jpg", i), bytes.NewReader(jpg), int64(len(jpg)), storage.PutOptions{})
	}
	plain.put(bg, "thumb/2_a.jpg.refused", []byte(`{}`), meta{})
	s := openStore(t, dir, true)
	n, err := s.Recover(bg, "original/", 0)
	if err != nil || n != 2 {
		t.Fatalf("recovered %d, %v; want 2 (one was refused)", n, err)
	}
	for _, k := range []string{"thumb/0_a.jpg", "thumb/1_a.jpg"} {
		if _, err := s.Head(bg, k); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if n, _ := s.Recover(bg, "original/", 0); n != 0 {
		t.Errorf("second pass made %d", n)
	}
	if !strings.HasSuffix(s.Root(), filepath.Join("objects", DefaultBucket)) {
		t.Error(s.Root())
	}
}
