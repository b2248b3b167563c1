package ui

import (
	"strings"
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

// TestRowSaysWhatWasDone: a row of a picture made web-ready says how
// ("4032×3024 → 2048×1536, 5.1 MB → 0.6 MB"), one with a web copy says
// so.
func TestRowSaysWhatWasDone(t *testing.T) {
	h := newHarness(t, nil)
	rec := app.Record{Key: "original/1_a.webp", Status: app.StatusReady, ContentType: "image/webp",
		Prepared: &app.Prepared{Summary: "4032×3024 → 2048×1536, 5.1 MB → 0.6 MB, JPEG → WebP"}}
	heic := app.Record{Key: "original/2_b.heic", Status: app.StatusReady, ContentType: "image/heic", WebKey: "thumb/web/2_b.heic.jpg"}
	h.u.onJob(app.Job{ID: 1, Name: "a.jpg", Size: 100, State: app.Done, Record: rec})
	h.u.onJob(app.Job{ID: 2, Name: "b.heic", Size: 100, State: app.Done, Record: heic})
	q := h.u.queue
	for i, want := range []string{"4032×3024 → 2048×1536, 5.1 MB → 0.6 MB, JPEG → WebP", "JPEG web copy"} {
		o := q.create()
		q.update(i, o)
		if got := rowOf(o).state.Text; !strings.Contains(got, want) {
			t.Errorf("row %d says %q, not %q", i, got, want)
		}
	}
}
