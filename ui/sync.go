package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// syncView is the toolbar's Sync button and the line beside it saying how
// the history and the bucket agree: a sync under way (how far), or when
// the last one ended and what it found. The core syncs by itself at start
// and every few minutes; the button (F5) asks for a full pass now.
type syncView struct {
	u    *UI
	btn  *widget.Button
	line *widget.Label
}

func newSyncView(u *UI) *syncView {
	v := &syncView{u: u}
	v.btn = widget.NewButtonWithIcon(lang.L("Sync"), theme.ViewRefreshIcon(), v.syncNow)
	v.line = widget.NewLabel("")
	v.line.Importance = widget.LowImportance
	v.line.Truncation = fyne.TextTruncateEllipsis
	v.line.Alignment = fyne.TextAlignTrailing
	return v
}

// syncNow runs a full pass off the UI thread; the core's events say how
// far it gets.
func (v *syncView) syncNow() {
	v.btn.Disable()
	go func() {
		v.u.core.SyncNow(context.Background(), true)
		v.u.do(v.refresh)
	}()
}

// refresh says what the core knows of its syncs (UI thread).
func (v *syncView) refresh() {
	running, now, last, at, err := v.u.core.SyncStatus()
	switch {
	case running:
		v.btn.Disable()
		v.line.SetText(fmt.Sprintf(lang.L("Syncing with the bucket… %d listed, %d new"), now.Listed, now.New))
		return
	case err != nil:
		v.line.SetText(lang.L("Sync failed") + ": " + localize(err))
		v.line.Importance = widget.WarningImportance
	case !at.IsZero():
		text := fmt.Sprintf(lang.L("Synced at %s"), at.Local().Format("15:04"))
		if last.New > 0 {
			text += " · " + fmt.Sprintf(lang.L("%d new"), last.New)
		}
		if last.Deleted > 0 {
			text += " · " + fmt.Sprintf(lang.L("%d deleted elsewhere"), last.Deleted)
		}
		v.line.SetText(text)
		v.line.Importance = widget.LowImportance
	}
	v.btn.Enable()
	v.line.Refresh()
}
