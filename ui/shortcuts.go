package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

func (u *UI) shortcuts() {
	c := u.w.Canvas()
	mod := fyne.KeyModifierShortcutDefault
	add := func(k fyne.KeyName, m fyne.KeyModifier, fn func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: m}, func(fyne.Shortcut) { fn() })
	}
	add(fyne.KeyO, mod, u.showOpen)
	add(fyne.KeyComma, mod, u.ShowSettings)
	add(fyne.KeyI, mod, u.showImport)
	add(fyne.KeyF, mod, func() { c.Focus(u.filter) })
	add(fyne.KeyQ, mod, u.Quit)
	add(fyne.KeyC, mod|fyne.KeyModifierShift, func() {
		if r, ok := u.detail.current(); ok {
			u.copyLink(r, u.core.Config().CopyFormat)
		}
	})
	c.AddShortcut(&fyne.ShortcutPaste{}, func(fyne.Shortcut) { u.Paste() })
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeyEscape:
			u.closeDialog()
		case fyne.KeyF1:
			u.showHelp()
		case fyne.KeyF5:
			u.sync.syncNow()
		case fyne.KeyDelete:
			if r, ok := u.detail.current(); ok {
				u.detail.confirmDelete(r)
			}
		}
	})
}

// Shortcuts lists the keyboard shortcuts for the Help dialog.
func Shortcuts() [][2]string {
	return [][2]string{
		{"Ctrl+O", lang.L("Add images…")},
		{"Ctrl+V", lang.L("Upload the screenshot on the clipboard, or the files whose paths are there")},
		{"Ctrl+Shift+C", lang.L("Copy the selected upload's link in the default format")},
		{"Ctrl+I", lang.L("Import a gallery from PicGo, PicList, ShareX or uPic")},
		{"Ctrl+F", lang.L("Filter uploads")},
		{"Delete", lang.L("Delete the selected upload (asks first)")},
		{"Ctrl+,", lang.L("Settings")},
		{"F5", lang.L("Sync with the bucket: uploads from other machines and tools appear, deleted ones are marked")},
		{"F1", lang.L("Help")},
		{"Ctrl+Q", lang.L("Quit")},
	}
}

func (u *UI) showHelp() {
	rows := container.New(layout.NewFormLayout())
	for _, s := range Shortcuts() {
		rows.Add(widget.NewLabelWithStyle(s[0], fyne.TextAlignTrailing, fyne.TextStyle{Monospace: true}))
		rows.Add(widget.NewLabel(s[1]))
	}
	md := u.a.Metadata()
	about := widget.NewLabel(fmt.Sprintf("thumbdrop %s\n%s\n\n%s\n\n%s", md.Version,
		lang.L("Drop photos, get links for your post. Thumbnails are made by the same Go code on AWS Lambda and in local mode."),
		lang.L("In local mode, links are served by the thumbdrop agent, a small background program that keeps running after you quit the app so the links in your posts keep working. Stop it in Settings, or with 'thumbdrop serve --stop'."),
		fmt.Sprintf(lang.L("Typora, Obsidian (Image Auto Upload) and VS Code (PicGo) upload through the agent: choose their PicGo-Server uploader at http://%s."),
			u.core.Config().PicGoServer)))
	about.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(lang.L("Help"), lang.L("Close"), container.NewVScroll(container.NewVBox(about, widget.NewSeparator(), rows)), u.w)
	u.showDialog(d, fyne.NewSize(620, 540))
}
