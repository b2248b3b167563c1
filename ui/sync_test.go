package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestSyncButton: Sync (F5) finds what came into the bucket from
// elsewhere, says so beside the button, and the gallery shows it.
func TestSyncButton(t *testing.T) {
	h := newHarness(t, nil)
	key := fmt.Sprintf("original/%d_from the laptop.png", time.Now().UnixMilli())
	testkit.CopyCorpus(t, "video-001.png", filepath.Join(h.dirs.Data, "objects", "thumbdrop", filepath.FromSlash(key)))
	test.Tap(h.u.sync.btn)
	h.pump("the sync", func() bool { return strings.Contains(h.u.sync.line.Text, "Synced at") })
	if !strings.Contains(h.u.sync.line.Text, "1 new") || h.u.sync.btn.Disabled() {
		t.Errorf("after the sync: %q, button disabled %v", h.u.sync.line.Text, h.u.sync.btn.Disabled())
	}
	h.pump("the gallery", func() bool { return h.u.gallery.count == 1 })
	h.u.gallery.showSel.SetSelectedIndex(1) // Bucket: not uploaded by thumbdrop
	h.pump("the Bucket filter", func() bool { return h.u.gallery.count == 1 && !h.u.gallery.none.Visible() })
	h.u.gallery.showSel.SetSelectedIndex(3) // Deleted elsewhere
	h.pump("none deleted", func() bool { return h.u.gallery.count == 0 && h.u.gallery.none.Visible() })
}
