package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/thumbdrop/thumbdrop/app"
)

// onJob applies a job event (UI thread).
func (u *UI) onJob(j app.Job) {
	u.queue.apply(j)
	if !u.batch[j.ID] {
		if !u.batchActive { // a new batch: the last one had ended
			u.batch = map[int]bool{}
			if u.openErr == nil {
				u.setStatus(u.targetLine()) // not what was said before it ("Deleted …")
			}
		}
		u.batch[j.ID] = true
	}
	active, _, total, failed := u.updateOverall()
	if active > 0 {
		u.batchActive = true
		u.startTicker()
	} else if u.batchActive {
		u.batchActive = false
		msg := batchMessage(total, failed)
		u.setStatus(msg)
		u.a.SendNotification(fyne.NewNotification("thumbdrop", msg))
	}
	if j.State == app.Done {
		u.detail.showIfNone(j.Record)
	}
	u.updateDropZone()
}

// batchMessage says how a batch of total uploads ended, failed of them
// failing: "1 upload failed", not "1 upload finished, 1 failed".
func batchMessage(total, failed int) string {
	ok := total - failed
	switch {
	case failed == 0 && total == 1:
		return lang.L("1 upload finished")
	case failed == 0:
		return fmt.Sprintf(lang.L("%d uploads finished"), total)
	case ok == 0 && failed == 1:
		return lang.L("1 upload failed")
	case ok == 0:
		return fmt.Sprintf(lang.L("%d uploads failed"), failed)
	case ok == 1:
		return lang.L("1 upload finished") + ", " + fmt.Sprintf(lang.L("%d failed"), failed)
	}
	return fmt.Sprintf(lang.L("%d uploads finished"), ok) + ", " + fmt.Sprintf(lang.L("%d failed"), failed)
}

// updateOverall sets the overall bar from the batch under way: finished
// files count whole, a running one by where it is (checked, uploading by
// its bytes, waiting for its thumbnail), so the bar reaches its end with
// the last file, never before, and agrees with "k of n files done".
func (u *UI) updateOverall() (active, done, total, failed int) {
	var progress float64
	for _, q := range u.queue.jobs {
		if !u.batch[q.ID] {
			continue
		}
		total++
		switch q.State {
		case app.Queued:
			active++
		case app.Hashing:
			active++
			progress += 0.02
		case app.Uploading:
			active++
			progress += 0.05 + 0.85*q.Progress()
		case app.Waiting:
			active++
			progress += 0.95
		case app.Failed:
			failed++
			done++
			progress++
		default:
			done++
			progress++
		}
	}
	if active == 0 || total == 0 {
		u.overallBox.Hide()
		return
	}
	u.overall.SetValue(progress / float64(total))
	u.overallText.SetText(fmt.Sprintf(lang.L("%d of %d files done"), done, total))
	u.overallBox.Show()
	u.setStatus(fmt.Sprintf(lang.L("%d of %d files done"), done, total))
	return
}

// startTicker refreshes elapsed times while a batch runs.
func (u *UI) startTicker() {
	if u.tickStop != nil {
		return
	}
	stop := make(chan struct{})
	u.tickStop = stop
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				u.do(func() {
					u.queue.list.Refresh()
					if !u.batchActive && u.tickStop == stop {
						close(stop)
						u.tickStop = nil
					}
				})
			}
		}
	}()
}
