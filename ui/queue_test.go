package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/thumbdrop/thumbdrop/app"
)

// TestClearFinishedFollowsRows: Clear finished is enabled once a row
// finishes (not only when a row is added), and clearing leaves no gap:
// the queue pane goes with its last row.
func TestClearFinishedFollowsRows(t *testing.T) {
	h := newHarness(t, nil)
	h.u.onJob(app.Job{ID: 1, Name: "a.jpg", Size: 100, State: app.Uploading})
	if !h.u.queue.clear.Disabled() {
		t.Fatal("Clear finished enabled with nothing finished")
	}
	h.u.onJob(app.Job{ID: 1, Name: "a.jpg", Size: 100, State: app.Done})
	if h.u.queue.clear.Disabled() {
		t.Fatal("Clear finished still disabled after the row finished")
	}
	test.Tap(h.u.queue.clear)
	if len(h.u.queue.jobs) != 0 || h.u.queue.box.Visible() || !h.u.queue.clear.Disabled() {
		t.Errorf("after Clear finished: %d rows, pane visible %v", len(h.u.queue.jobs), h.u.queue.box.Visible())
	}
}
