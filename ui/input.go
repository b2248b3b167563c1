package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// updateDropZone shows the big drop target while there is nothing else.
func (u *UI) updateDropZone() {
	if len(u.queue.jobs) == 0 && u.gallery.total == 0 {
		u.dropZone.Show()
		u.main.Objects[0].Hide()
	} else {
		u.dropZone.Hide()
		u.main.Objects[0].Show()
	}
}

// SetDragOver shows or hides the "Drop to upload" overlay (main watches
// the X11 drag-and-drop selection while the pointer is over the window:
// Fyne has no drag-enter event).
func (u *UI) SetDragOver(over bool) {
	if over == u.dropOverlay.Visible() {
		return
	}
	if over {
		u.dropOverlay.Show()
	} else {
		u.dropOverlay.Hide()
	}
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), a}
}

// Raise brings the window to the front (a second launch asked for it) and
// uploads the files it was handed.
func (u *UI) Raise(files []string) {
	u.w.Show()
	u.w.RequestFocus()
	if len(files) > 0 {
		u.AddPaths(files)
	}
}

// HandleDrop takes dropped URIs: files, and the images inside folders.
// Non-images are refused with a message naming them; the rest of the batch
// goes on.
func (u *UI) HandleDrop(uris []fyne.URI) {
	var paths []string
	for _, uri := range uris {
		if uri.Scheme() != "file" {
			continue
		}
		paths = append(paths, uri.Path())
	}
	u.AddPaths(paths)
}

// AddPaths queues files and the images in folders (recursively, sorted),
// refusing non-images. Walking folders and sniffing files is I/O, so it
// runs off the UI thread; refusals are reported back on it.
func (u *UI) AddPaths(paths []string) {
	go func() {
		files, refused := app.Split(app.ExpandPaths(paths))
		if len(files) > 0 {
			u.core.Add(app.AddOptions{}, files...)
		}
		if len(refused) > 0 {
			u.do(func() { u.reportRefused(refused) })
		}
	}()
}

// reportRefused names the files that were not added: in the status line
// and in a dialog (the first eight, and how many more).
func (u *UI) reportRefused(refused []error) {
	msgs := make([]string, len(refused))
	for i, e := range refused {
		msgs[i] = localize(e)
	}
	text := strings.Join(msgs, "\n")
	if len(msgs) > 8 {
		text = strings.Join(msgs[:8], "\n") + "\n" + fmt.Sprintf(lang.L("and %d more"), len(msgs)-8)
	}
	u.setStatus(msgs[0])
	u.showDialog(dialog.NewInformation(lang.L("Some files were not added"), text, u.w), fyne.NewSize(520, 0))
}

// Paste uploads what is on the clipboard (Ctrl+V, the tray): an image (a
// screenshot), as clipboard-YYYYMMDD-HHMMSS.png, or else the files whose
// paths or file:// URIs it holds. Reading the image is I/O: it runs off
// the UI thread.
func (u *UI) Paste() {
	text := u.a.Clipboard().Content()
	if u.clipImage == nil {
		u.PastePaths(text)
		return
	}
	go func() {
		data, err := u.clipImage(context.Background())
		if err == nil {
			_, err = u.core.AddBytes(data, "", app.AddOptions{})
		}
		u.do(func() {
			switch {
			case err == nil:
			case strings.TrimSpace(text) != "":
				u.PastePaths(text)
			default:
				u.setStatus(lang.L("The clipboard holds no image and no file paths"))
			}
		})
	}()
}

// PastePaths adds the file paths (or file:// URIs) found in text, one per
// line, as copied from a file manager.
func (u *UI) PastePaths(text string) {
	var paths []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "file://") {
			if uri, err := storage.ParseURI(line); err == nil {
				line = uri.Path()
			}
		}
		paths = append(paths, line)
	}
	if len(paths) == 0 {
		u.setStatus(lang.L("The clipboard holds no file paths"))
		return
	}
	u.AddPaths(paths)
}

func (u *UI) showOpen() {
	if _, open := u.dialog.(*dialog.FileDialog); open {
		return // Ctrl+O again: the one open stays, not a second
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		p := r.URI().Path()
		r.Close()
		u.AddPaths([]string{p})
	}, u.w)
	d.SetFilter(storage.NewExtensionFileFilter(app.ImageExtensions())) // any case: the filter folds it
	// Fyne 2.8.1: a FileDialog has no widgets before Show, and Resize
	// before Show dereferences them (a nil-pointer panic): showDialog
	// shows first.
	u.showDialog(d, fyne.NewSize(720, 520))
}

// filterEntry is the gallery's filter box. Ctrl+V in it pastes text as
// any entry does, but with no text on the clipboard (a screenshot) it
// uploads the image, as Ctrl+V does elsewhere in the window.
type filterEntry struct {
	widget.Entry
	u *UI
}

func newFilterEntry(u *UI) *filterEntry {
	e := &filterEntry{u: u}
	e.ExtendBaseWidget(e)
	return e
}

func (e *filterEntry) TypedShortcut(s fyne.Shortcut) {
	if _, paste := s.(*fyne.ShortcutPaste); paste && e.u.a.Clipboard().Content() == "" {
		e.u.Paste()
		return
	}
	e.Entry.TypedShortcut(s)
}
