package ui

import (
	"context"
	"fmt"
	"image"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// detailView is the selected upload: a large preview of the original, its
// actions right under it (so they show without scrolling at the default
// size), the links to copy, then the facts.
type detailView struct {
	u          *UI
	rec        app.Record
	has        bool
	preview    *canvas.Image // the original, rendered at 400 px
	noPrev     *widget.Label // why there is no preview, in its place
	thumb      *canvas.Image // the thumbnail, at its own size
	thumbLbl   *widget.Label
	facts      *widget.Form
	name       *widget.Label
	copied     *widget.Label
	copyBtns   map[string]*widget.Button
	open       *widget.Button
	del        *widget.Button
	presign    *widget.Button
	presignRow *fyne.Container
	ttl        *widget.Select
	box        *fyne.Container
	scroll     *container.Scroll
	body       *fyne.Container
	empty      *widget.Label
	values     map[string]*widget.Label
}

func newDetailView(u *UI) *detailView {
	d := &detailView{u: u, copyBtns: map[string]*widget.Button{}, values: map[string]*widget.Label{}}
	d.preview = canvas.NewImageFromResource(theme.FileImageIcon())
	d.preview.FillMode = canvas.ImageFillContain
	d.preview.SetMinSize(fyne.NewSize(240, 220))
	d.noPrev = widget.NewLabel("")
	d.noPrev.Wrapping = fyne.TextWrapWord
	d.noPrev.Importance = widget.WarningImportance
	d.noPrev.Hide()
	d.thumb = canvas.NewImageFromResource(theme.FileImageIcon())
	d.thumb.FillMode = canvas.ImageFillContain
	d.thumb.SetMinSize(fyne.NewSize(64, 48))
	d.thumbLbl = widget.NewLabel("")
	d.thumbLbl.Wrapping = fyne.TextWrapWord
	d.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.name.Wrapping = fyne.TextWrapBreak
	d.copied = widget.NewLabel("")
	d.copied.Importance = widget.SuccessImportance
	d.facts = widget.NewForm()
	for _, k := range []string{"Key", "Size", "Dimensions", "Uploaded", "Status"} {
		v := widget.NewLabel("")
		v.Wrapping = fyne.TextWrapWord // sentences break between words ("too many pixels")
		if k == "Key" {
			v.Wrapping = fyne.TextWrapBreak // a key has no spaces to break at
		}
		d.values[k] = v
		d.facts.Append(lang.L(k), v)
	}
	grid := container.NewGridWithColumns(2)
	for _, f := range app.Formats() {
		f := f
		b := widget.NewButtonWithIcon(lang.L(app.FormatLabel(f)), theme.ContentCopyIcon(), func() { d.copy(f) })
		d.copyBtns[f] = b
		grid.Add(b)
	}
	d.open = widget.NewButtonWithIcon(lang.L("Open in browser"), theme.ComputerIcon(), d.openInBrowser)
	d.del = widget.NewButtonWithIcon(lang.L("Delete…"), theme.DeleteIcon(), func() { d.confirmDelete(d.rec) })
	d.del.Importance = widget.DangerImportance
	d.ttl = widget.NewSelect([]string{"1h", "24h", "168h"}, nil)
	d.ttl.SetSelected("24h")
	d.presign = widget.NewButtonWithIcon(lang.L("Copy private link"), theme.ContentCopyIcon(), d.copyPresigned)
	thumbRow := container.NewBorder(nil, nil, container.NewCenter(d.thumb), nil, d.thumbLbl)
	// Local links do not expire and cannot be made private: no row for it.
	d.presignRow = container.NewBorder(nil, nil, nil, d.ttl, d.presign)
	d.body = container.NewVBox(
		d.preview,
		d.noPrev,
		d.name,
		container.NewHBox(d.open, layout.NewSpacer(), d.del),
		widget.NewLabelWithStyle(lang.L("Copy link"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		grid,
		d.presignRow,
		d.copied,
		widget.NewSeparator(),
		thumbRow,
		d.facts,
	)
	d.empty = widget.NewLabelWithStyle(lang.L("Select an upload to see its links"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	d.body.Hide()
	// The scroll bar overlays the content's right edge: keep a gutter.
	gutter := canvas.NewRectangle(nil)
	gutter.SetMinSize(fyne.NewSize(theme.ScrollBarSize()+theme.Padding(), 1))
	d.scroll = container.NewVScroll(container.NewBorder(nil, nil, nil, gutter, d.body))
	d.box = container.NewStack(container.NewCenter(d.empty), d.scroll)
	return d
}

func (d *detailView) current() (app.Record, bool) { return d.rec, d.has }

// clear shows nothing selected.
func (d *detailView) clear() {
	d.rec, d.has = app.Record{}, false
	d.body.Hide()
	d.empty.Show()
	d.box.Refresh()
}

// targetChanged follows a settings change: an upload of another target
// than the one now configured is not shown as if it were of this one.
func (d *detailView) targetChanged() {
	if d.has && d.rec.Target != "" && d.rec.Target != app.TargetID(d.u.core.Config()) {
		d.clear()
	}
}

// showIfNone selects r when nothing is selected (a first upload).
func (d *detailView) showIfNone(r app.Record) {
	if !d.has && r.Key != "" {
		d.show(r)
	}
}

// show displays r (UI thread), scrolled to its top; a record a sync
// found gets its thumbnail's facts (size, copies) read, then shown.
func (d *detailView) show(r app.Record) {
	if app.NeedsThumbFacts(r) {
		go func() {
			full := d.u.core.ThumbFacts(context.Background(), r)
			if full.ThumbWidth > 0 {
				d.u.do(func() {
					if d.has && d.rec.Key == full.Key {
						d.show(full)
					}
				})
			}
		}()
	}
	d.rec, d.has = r, true
	if g := d.u.gallery; g != nil {
		g.grid.Refresh() // the selected card is highlighted
	}
	d.empty.Hide()
	d.body.Show()
	d.copied.SetText("")
	from, imported := app.Imported(r)
	// Local links do not expire, an imported picture's are its app's:
	// neither can be made private.
	if r.Target == app.TargetLocal || imported {
		d.presignRow.Hide()
	} else {
		d.presignRow.Show()
	}
	if imported {
		d.del.SetText(lang.L("Forget…"))
	} else {
		d.del.SetText(lang.L("Delete…"))
	}
	// No thumbnail (refused, not made in time): nothing to copy as its
	// link; the other formats show the original.
	if b := d.copyBtns[app.FormatThumb]; b != nil {
		if (r.Status == app.StatusReady || r.Status == app.StatusDuplicate) && r.ThumbURL != "" {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	d.name.SetText(r.Name())
	d.values["Key"].SetText(r.Key)
	size := app.HumanSize(r.Bytes)
	if imported && r.Bytes == 0 {
		size = "—" // its app did not record it
	}
	d.values["Size"].SetText(size)
	dims := "—"
	if r.Width > 0 {
		dims = fmt.Sprintf("%d × %d", r.Width, r.Height)
	}
	if c := copiesText(r); c != "" {
		dims += "\n" + c
	}
	d.values["Dimensions"].SetText(dims)
	d.values["Uploaded"].SetText(r.Time.Local().Format("2006-01-02 15:04"))
	status := statusText(r.Status)
	if r.Error != "" && r.Status != app.StatusReady {
		status += "\n" + localize(app.RecordErr(r))
	}
	if imported {
		status += "\n" + fmt.Sprintf(lang.L("Imported from %s; its link is kept as %s made it"), from.Name(), from.Name())
	}
	if r.LocationRemoved {
		status += "\n" + lang.L("Location removed before upload")
	}
	d.values["Status"].SetText(status)
	d.thumbLbl.SetText(lang.L("Thumbnail"))
	d.noPrev.Hide()
	d.preview.Show()
	d.preview.SetMinSize(fyne.NewSize(240, 220))
	setPlaceholder(d.preview)
	setPlaceholder(d.thumb)
	d.loadPreview(r, true, d.preview)
	if r.Status == app.StatusReady || r.Status == app.StatusDuplicate {
		d.loadPreview(r, false, d.thumb)
	} else {
		d.thumb.Hide()
		d.thumbLbl.SetText(lang.L("No thumbnail"))
	}
	d.scroll.ScrollToTop()
	d.box.Refresh()
}

func statusText(s string) string {
	switch s {
	case app.StatusReady, app.StatusDuplicate:
		return lang.L("Thumbnail ready")
	case app.StatusUploaded:
		return lang.L("Uploaded")
	case app.StatusTimeout:
		return lang.L("Uploaded; no thumbnail")
	}
	return s
}

// loadPreview fetches a preview off the UI thread. The thumbnail is shown
// at its own size (up to the box), the original as large as the pane.
func (d *detailView) loadPreview(r app.Record, original bool, into *canvas.Image) {
	go func() {
		img, err := d.u.core.Preview(context.Background(), r, original)
		d.u.do(func() {
			if d.rec.Key != r.Key {
				return
			}
			if err != nil {
				if original { // say why, in the preview's place, not a huge broken icon
					into.Hide()
					d.noPrev.SetText(lang.L("No preview") + ": " + localize(err))
					d.noPrev.Show()
					return
				}
				into.Image, into.Resource = nil, theme.BrokenImageIcon()
				into.Refresh()
				d.thumbLbl.SetText(lang.L("No preview") + ": " + localize(err))
				return
			}
			setImage(into, img)
			if !original {
				b := img.Bounds()
				into.SetMinSize(fyne.NewSize(float32(min(b.Dx(), 200)), float32(min(b.Dy(), 200))))
				into.Show()
				d.thumbLbl.SetText(fmt.Sprintf("%s %d × %d", lang.L("Thumbnail"), b.Dx(), b.Dy()))
			} else {
				fitPreview(into, img)
			}
		})
	}()
}

// fitPreview sizes the large preview to the image's shape, so a tall photo
// is not squeezed into a short box and a wide one leaves no gap above.
func fitPreview(ci *canvas.Image, img image.Image) {
	b := img.Bounds()
	if b.Dx() <= 0 {
		return
	}
	w := float32(320)
	h := min(w*float32(b.Dy())/float32(b.Dx()), 320)
	ci.SetMinSize(fyne.NewSize(w, h))
	ci.Refresh()
}

func (d *detailView) openInBrowser() {
	r := d.rec
	go func() {
		links, err := d.u.core.Links(context.Background(), r)
		d.u.do(func() {
			if err != nil {
				d.u.showError(err)
				return
			}
			d.u.openURL(links.URL)
		})
	}()
}

func (d *detailView) copy(f string) {
	if !d.has {
		return
	}
	d.u.copyLinkThen(d.rec, f, func() { d.flash(fmt.Sprintf(lang.L("Copied %s"), lang.L(app.FormatLabel(f)))) })
}

// flash shows a short confirmation that fades after two seconds: the one
// place copying from this pane says so.
func (d *detailView) flash(s string) {
	d.copied.SetText(s)
	if d.u.openErr == nil && !d.u.batchActive {
		d.u.setStatus(d.u.targetLine()) // no older "Copied …" below to contradict it
	}
	key := d.rec.Key
	go func() {
		time.Sleep(2 * time.Second)
		d.u.do(func() {
			if d.copied.Text == s && d.rec.Key == key {
				d.copied.SetText("")
			}
		})
	}()
}

// copyPresigned copies a presigned link with the chosen lifetime, whatever
// the link mode.
func (d *detailView) copyPresigned() {
	if !d.has {
		return
	}
	ttl, _ := time.ParseDuration(d.ttl.Selected)
	r := d.rec
	go func() {
		links, err := d.u.core.PrivateLinks(context.Background(), r, ttl)
		d.u.do(func() {
			if err != nil {
				d.u.showError(err)
				return
			}
			d.u.a.Clipboard().SetContent(links.URL)
			d.flash(fmt.Sprintf(lang.L("Copied a link valid for %s"), d.ttl.Selected))
		})
	}()
}

func (d *detailView) confirmDelete(r app.Record) {
	if from, ok := app.Imported(r); ok {
		d.confirmForget(r, from)
		return
	}
	msg := fmt.Sprintf(lang.L("Delete %s and its thumbnail from the bucket? Links to it in your posts will stop working."), r.Name())
	c := dialog.NewConfirm(lang.L("Delete upload"), msg, func(ok bool) {
		if !ok {
			return
		}
		go func() {
			err := d.u.core.DeleteRecord(context.Background(), r)
			d.u.do(func() {
				if err != nil {
					d.u.showError(err)
					return
				}
				d.u.setStatus(fmt.Sprintf(lang.L("Deleted %s"), r.Name()))
				d.u.queue.markDeleted(r.Key)
				if d.rec.Key == r.Key {
					d.has = false
					d.body.Hide()
					d.empty.Show()
				}
			})
		}()
	}, d.u.w)
	c.SetConfirmText(lang.L("Delete"))
	c.SetDismissText(lang.L("Cancel"))
	c.SetConfirmImportance(widget.DangerImportance)
	d.u.showDialog(c, fyne.NewSize(460, 200))
}

// copiesText says which copies were made of r: "Copies: 640, 1280 px
// wide, with WebP".
func copiesText(r app.Record) string {
	var widths []string
	webp := false
	for _, v := range r.Variants {
		if v.ContentType == "image/webp" {
			webp = true
			continue
		}
		widths = append(widths, strconv.Itoa(v.Width))
	}
	switch {
	case len(widths) > 0 && webp:
		return fmt.Sprintf(lang.L("Copies: %s px wide, with WebP"), strings.Join(widths, ", "))
	case len(widths) > 0:
		return fmt.Sprintf(lang.L("Copies: %s px wide"), strings.Join(widths, ", "))
	case webp:
		return lang.L("Copies: a WebP twin")
	}
	return ""
}
