package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestFilterWithoutMatches: a filter that matches nothing says so.
func TestFilterWithoutMatches(t *testing.T) {
	h := newHarness(t, nil)
	h.u.AddPaths([]string{testkit.CopyCorpus(t, "video-001.png", filepath.Join(t.TempDir(), "beach.png"))})
	h.pump("upload", h.allDone)
	h.pump("gallery", func() bool { return h.u.gallery.count == 1 })
	h.u.filter.SetText("mountain")
	h.pump("no match", func() bool { return h.u.gallery.none.Visible() })
	if !strings.Contains(h.u.gallery.none.Text, "mountain") {
		t.Errorf("says %q", h.u.gallery.none.Text)
	}
	h.u.filter.SetText("bea")
	h.pump("a match", func() bool { return h.u.gallery.count == 1 && !h.u.gallery.none.Visible() })
}
