package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

func (u *UI) showError(err error) {
	if err == nil {
		return
	}
	msg := localize(err)
	u.setStatus(msg)
	u.showDialog(dialog.NewError(errors.New(msg), u.w), fyne.NewSize(480, 200))
}

// showDialog shows d as the one dialog on screen: one already there (Help
// when Ctrl+, asks for Settings) is closed first, and Escape closes it.
func (u *UI) showDialog(d dialog.Dialog, size fyne.Size) {
	if u.dialog != nil {
		u.dialog.Hide()
	}
	u.dialog = d
	d.SetOnClosed(func() {
		if u.dialog == d {
			u.dialog = nil
		}
	})
	d.Show()
	d.Resize(size)
}

// closeDialog closes the dialog on screen (Escape); it reports whether
// there was one.
func (u *UI) closeDialog() bool {
	if u.dialog == nil {
		return false
	}
	u.dialog.Hide()
	u.dialog = nil
	return true
}
