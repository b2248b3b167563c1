package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }}, args)
	return code, out.String(), errb.String()
}

func TestThumbnailCommand(t *testing.T) {
	dir := t.TempDir()
	in := testkit.Corpus("video-001.png")
	notes := filepath.Join(dir, "notes.png")
	os.WriteFile(notes, []byte("a text file with an image name"), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := run(t, "", "thumbnail", "--max", "64", in, notes, "-o", out, "--json")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1 (one file failed); stderr %s", code, stderr)
	}
	if !strings.Contains(stderr, "notes.png: not an image") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q: want one sentence naming notes.png", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", stdout)
	}
	var ok, bad thumbJSON
	json.Unmarshal([]byte(lines[0]), &ok)
	json.Unmarshal([]byte(lines[1]), &bad)
	if ok.Error != "" || ok.Width != 64 || ok.ContentType != "image/png" || bad.Error == "" {
		t.Fatalf("records %+v %+v", ok, bad)
	}
	f, err := os.Open(filepath.Join(out, "video-001.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil || m.Bounds().Dx() != 64 {
		t.Fatalf("written thumbnail: %v %v", err, m)
	}
	if _, err := os.Stat(filepath.Join(out, "notes.png")); !os.IsNotExist(err) {
		t.Error("a file was written for the refused input")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"thumbnail", "a.jpg"}, {"thumbnail", "-o", "x"}, {"bogus"}, {"thumbnail", "--max", "zero", "-o", "x", "a"}, {}} {
		if code, _, stderr := run(t, "", args...); code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d stderr %q, want 2 and a message", args, code, stderr)
		}
	}
	if code, stdout, _ := run(t, "", "help"); code != 0 || !strings.Contains(stdout, "thumbnail") {
		t.Errorf("help: %d %q", code, stdout)
	}
}

// TestMemGate: decoders share the budget; one larger than the whole
// budget still runs, alone.
func TestMemGate(t *testing.T) {
	g := newMemGate(100)
	a := g.acquire(80)
	got := make(chan int64)
	go func() { got <- g.acquire(50) }()
	select {
	case <-got:
		t.Fatal("50 more bytes taken while only 20 were free")
	case <-time.After(50 * time.Millisecond):
	}
	g.release(a)
	if b := <-got; b != 50 {
		t.Errorf("took %d", b)
	}
	g.release(50)
	if c := g.acquire(500); c != 100 {
		t.Errorf("an image over the whole budget took %d, want all 100", c)
	}
}

// TestThumbnailNeverReplacesAnyFile: in a folder holding IMG_0001.jpg and
// IMG_0001.webp, 'thumbnail -o . IMG_0001.webp' keeps the JPEG photo (it
// was replaced by a 200 px thumbnail, exit 0) and writes IMG_0001-2.jpg,
// saying so; a file made in the way meanwhile, or a symlink, is not
// written through either.
func TestThumbnailNeverReplacesAnyFile(t *testing.T) {
	dir := t.TempDir()
	photo := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "IMG_0001.jpg"))
	webp := testkit.Copy(t, testkit.XImage(t, "blue-purple-pink.lossy.webp"), filepath.Join(dir, "IMG_0001.webp"))
	target := filepath.Join(t.TempDir(), "elsewhere.jpg")
	os.WriteFile(target, []byte("not to be written through"), 0o644)
	os.Symlink(target, filepath.Join(dir, "IMG_0001-2.jpg"))
	before := testkit.Read(t, photo)

	code, stdout, stderr := run(t, "", "thumbnail", "-o", dir, webp)
	if code != 0 || !strings.Contains(stderr, "IMG_0001.jpg exists and is kept; the thumbnail is "+filepath.Join(dir, "IMG_0001-3.jpg")) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "-> "+filepath.Join(dir, "IMG_0001-3.jpg")) {
		t.Errorf("stdout %q", stdout)
	}
	if !bytes.Equal(testkit.Read(t, photo), before) {
		t.Error("the photo IMG_0001.jpg was replaced")
	}
	if string(testkit.Read(t, target)) != "not to be written through" {
		t.Error("the thumbnail was written through a symlink")
	}
	f, err := os.Open(filepath.Join(dir, "IMG_0001-3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, format, err := image.DecodeConfig(f); err != nil || format != "jpeg" || cfg.Width > 200 {
		t.Errorf("the thumbnail: %v %s %v", cfg, format, err)
	}
}

// TestThumbnailKeepsDecodersCompiled: 'thumbdrop thumbnail' keeps the
// WebAssembly decoder it compiled (AVIF's; HEIC's where the system has no
// libheif) in the data folder, for the next process to load.
func TestThumbnailKeepsDecodersCompiled(t *testing.T) {
	testkit.Need(t, "avifenc")
	dir := t.TempDir()
	avif := filepath.Join(dir, "photo.avif")
	if out, err := exec.Command("avifenc", testkit.Corpus("video-001.png"), avif).CombinedOutput(); err != nil {
		t.Fatalf("avifenc: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "THUMBDROP_DATA_DIR" {
			return data
		}
		return ""
	}}
	if code := Run(context.Background(), env, []string{"thumbnail", "-o", filepath.Join(dir, "out"), avif}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	compiled := 0
	filepath.Walk(filepath.Join(data, "cache"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Size() > 1<<20 {
			compiled++
		}
		return nil
	})
	if compiled != 1 {
		t.Fatalf("%d compiled decoders under %s, want 1", compiled, filepath.Join(data, "cache"))
	}
}
