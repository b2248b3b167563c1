package ui

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestDetailClearsOnTargetChange: an upload of the local target is not
// shown as if it were of the bucket configured since.
func TestDetailClearsOnTargetChange(t *testing.T) {
	h := newHarness(t, nil)
	h.u.AddPaths([]string{testkit.CopyCorpus(t, "video-001.png", filepath.Join(t.TempDir(), "here.png"))})
	h.pump("upload", h.allDone)
	h.u.detail.show(h.u.queue.jobs[0].Record)
	other, _ := app.Open(context.Background(), app.Options{Dirs: h.dirs})
	defer other.Close()
	other.Set("bucket", "photos")
	other.Set("target", "s3")
	h.pump("the detail cleared", func() bool { return !h.u.detail.has && h.u.detail.empty.Visible() })
}
