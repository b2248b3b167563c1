package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
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
	in := filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "video-001.png")
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
