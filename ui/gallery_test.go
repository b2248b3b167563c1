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

// TestPaneFollowsTheGallery: the pane beside the gallery lets go of a
// record the gallery's selector or filter hides (it kept showing it).
func TestPaneFollowsTheGallery(t *testing.T) {
	h := newHarness(t, nil)
	h.u.AddPaths([]string{testkit.CopyCorpus(t, "video-001.png", filepath.Join(t.TempDir(), "beach.png"))})
	h.pump("upload", h.allDone)
	h.pump("the pane shows it", func() bool { _, ok := h.u.detail.current(); return ok })
	h.u.gallery.showSel.SetSelectedIndex(1) // not by thumbdrop: not this upload
	h.pump("the pane lets go", func() bool { _, ok := h.u.detail.current(); return !ok })
	h.u.gallery.showSel.SetSelectedIndex(0)
	h.pump("all again", func() bool { return h.u.gallery.count == 1 })
	rec, _ := h.u.gallery.record(0)
	h.pump("page read", func() bool { rec, _ = h.u.gallery.record(0); return rec.Key != "" })
	h.u.detail.show(rec)
	h.u.filter.SetText("bea") // still shown
	h.pump("the filter applied", func() bool { return h.u.gallery.shown == h.u.gallery.gen })
	if _, ok := h.u.detail.current(); !ok {
		t.Fatal("a filter that matches the record let go of it")
	}
	h.u.filter.SetText("mountain")
	h.pump("the filter hides it", func() bool { _, ok := h.u.detail.current(); return !ok })
}
