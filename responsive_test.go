package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// TestResponsiveLocalMode: in local mode, with extra widths and WebP set
// as a user sets them, the built binary makes the whole set; the srcset
// and picture links parse as HTML and every URL in them answers from the
// agent with an image of the width it claims; a picture narrower than
// every width gets no enlarged copy; delete leaves no object behind.
func TestResponsiveLocalMode(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	for _, kv := range [][2]string{{"extra_widths", "1280, 640"}, {"webp", "true"}} {
		if code, _, errs := thumbdrop(t, dirs, "", "config", "set", kv[0], kv[1]); code != 0 {
			t.Fatalf("config set %s: %s", kv[0], errs)
		}
	}
	dir := t.TempDir()
	storm := filepath.Join(dir, "storm, at sea.jpg") // 1920x1280; a comma in a srcset URL
	arc := filepath.Join(dir, "arc.png")             // 2140x1200 with transparency
	for src, dst := range map[string]string{testkit.Photo(t, "Storm.jpg"): storm,
		testkit.Photo(t, "Arc-Colors-Transparent-Wallpaper.png"): arc} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(dst, b, 0o644)
	}
	small := photos(t, 1, "small")[0] // 150x103: narrower than every width
	code, out, errs := thumbdrop(t, dirs, "", "upload", "--json", storm, arc, small)
	if code != 0 {
		t.Fatalf("upload: %d %s", code, errs)
	}
	var recs []app.Record
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r app.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Status != app.StatusReady {
			t.Fatalf("%q: %v", l, err)
		}
		recs = append(recs, r)
	}
	wantVariants := []int{5, 5, 1} // two copies and three twins; the small one's thumbnail twin only
	for i, r := range recs {
		if len(r.Variants) != wantVariants[i] {
			t.Errorf("%s: variants %+v, want %d", r.File, r.Variants, wantVariants[i])
		}
	}
	// The links, as a user pastes them.
	for _, f := range []string{"srcset", "picture"} {
		code, out, errs := thumbdrop(t, dirs, "", "history", "--format", f)
		if code != 0 {
			t.Fatalf("history --format %s: %s", f, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 {
			t.Fatalf("history --format %s: %q", f, out)
		}
		for _, l := range lines {
			r := testsrv.ParseResponsive(t, l)
			if f == "picture" && r.Pictures != 1 {
				t.Errorf("not one <picture>: %s", l)
			}
			if len(r.Sizes) == 0 || r.Sizes[0] != app.DefaultSizes {
				t.Errorf("sizes %q: %s", r.Sizes, l)
			}
			got := testsrv.FetchCandidates(t, http.DefaultClient, r)
			if want := 3; len(got) < want && !strings.Contains(l, "small") {
				t.Errorf("%d distinct images in %s, want the thumbnail and two copies", len(got), l)
			}
			for _, c := range r.Candidates {
				if strings.Contains(c.URL, "150x103") || got[c.URL].X > 1920 {
					t.Errorf("%s offers %s at %v", f, c.URL, got[c.URL])
				}
			}
		}
	}
	// No enlargement: the small picture offers its thumbnail (its own
	// size) and its original, nothing wider.
	_, out, _ = thumbdrop(t, dirs, "", "history", "--format", "picture", "small")
	r := testsrv.ParseResponsive(t, out)
	for _, c := range r.Candidates {
		if c.Width > 150 {
			t.Errorf("the 150 px picture offers %dw: %s", c.Width, out)
		}
	}
	for _, rec := range recs {
		if code, _, errs := thumbdrop(t, dirs, "", "delete", rec.URL); code != 0 {
			t.Errorf("delete %s: %s", rec.URL, errs)
		}
	}
	var left []string
	filepath.WalkDir(filepath.Join(dirs.Data, "objects", "thumbdrop"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("objects left after deleting every upload: %v", left)
	}
}
