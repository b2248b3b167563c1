package ui

import (
	"context"
	"fmt"
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

// detailView is the selected upload: previews, facts and the buttons that
// copy its links.
type detailView struct {
	u        *UI
	rec      app.Record
	has      bool
	thumb    *canvas.Image
	original *canvas.Image
	facts    *widget.Form
	name     *widget.Label
	copied   *widget.Label
	copyBtns map[string]*widget.Button
	open     *widget.Button
	del      *widget.Button
	presign  *widget.Button
	ttl      *widget.Select
	box      *fyne.Container
	body     *fyne.Container
	empty    *widget.Label
	values   map[string]*widget.Label
}

func newDetailView(u *UI) *detailView {
	d := &detailView{u: u, copyBtns: map[string]*widget.Button{}, values: map[string]*widget.Label{}}
	d.thumb = canvas.NewImageFromResource(theme.FileImageIcon())
	d.thumb.FillMode = canvas.ImageFillContain
	d.thumb.SetMinSize(fyne.NewSize(200, 160))
	d.original = canvas.NewImageFromResource(theme.FileImageIcon())
	d.original.FillMode = canvas.ImageFillContain
	d.original.SetMinSize(fyne.NewSize(200, 160))
	d.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.name.Wrapping = fyne.TextWrapBreak
	d.copied = widget.NewLabel("")
	d.copied.Importance = widget.SuccessImportance
	d.facts = widget.NewForm()
	for _, k := range []string{"Key", "Size", "Dimensions", "Uploaded", "Status"} {
		v := widget.NewLabel("")
		v.Wrapping = fyne.TextWrapBreak
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
	d.open = widget.NewButtonWithIcon(lang.L("Open in browser"), theme.ComputerIcon(), func() {
		go func() {
			links, err := u.core.Links(context.Background(), d.rec)
			d.u.do(func() {
				if err != nil {
					u.showError(err)
					return
				}
				u.openURL(links.URL)
			})
		}()
	})
	d.del = widget.NewButtonWithIcon(lang.L("Delete…"), theme.DeleteIcon(), func() { d.confirmDelete(d.rec) })
	d.del.Importance = widget.DangerImportance
	d.ttl = widget.NewSelect([]string{"1h", "24h", "168h"}, nil)
	d.ttl.SetSelected("24h")
	d.presign = widget.NewButtonWithIcon(lang.L("Copy private link"), theme.ContentCopyIcon(), d.copyPresigned)
	previews := container.NewGridWithColumns(2,
		container.NewBorder(nil, widget.NewLabelWithStyle(lang.L("Thumbnail"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true}), nil, nil, d.thumb),
		container.NewBorder(nil, widget.NewLabelWithStyle(lang.L("Original"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true}), nil, nil, d.original))
	d.body = container.NewVBox(previews, d.name, d.facts, widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("Copy link"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), grid, d.copied,
		container.NewBorder(nil, nil, nil, d.ttl, d.presign),
		container.NewHBox(d.open, layout.NewSpacer(), d.del))
	d.empty = widget.NewLabelWithStyle(lang.L("Select an upload to see its links"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	d.body.Hide()
	d.box = container.NewStack(container.NewCenter(d.empty), container.NewVScroll(d.body))
	return d
}

func (d *detailView) current() (app.Record, bool) { return d.rec, d.has }

// showIfNone selects r when nothing is selected (a first upload).
func (d *detailView) showIfNone(r app.Record) {
	if !d.has && r.Key != "" {
		d.show(r)
	}
}

// show displays r (UI thread).
func (d *detailView) show(r app.Record) {
	d.rec, d.has = r, true
	d.empty.Hide()
	d.body.Show()
	d.copied.SetText("")
	d.name.SetText(r.Name())
	d.values["Key"].SetText(r.Key)
	d.values["Size"].SetText(app.HumanSize(r.Bytes))
	dims := "—"
	if r.Width > 0 {
		dims = fmt.Sprintf("%d × %d", r.Width, r.Height)
	}
	d.values["Dimensions"].SetText(dims)
	d.values["Uploaded"].SetText(r.Time.Local().Format("2006-01-02 15:04"))
	status := statusText(r.Status)
	if r.Error != "" && r.Status != app.StatusReady {
		status += "\n" + r.Error
	}
	if r.LocationRemoved {
		status += "\n" + lang.L("Location removed before upload")
	}
	d.values["Status"].SetText(status)
	d.presign.Hidden = false
	setPlaceholder(d.thumb)
	setPlaceholder(d.original)
	d.loadPreview(r, false, d.thumb)
	d.loadPreview(r, true, d.original)
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

func (d *detailView) loadPreview(r app.Record, original bool, into *canvas.Image) {
	go func() {
		img, err := d.u.core.Preview(context.Background(), r, original)
		d.u.do(func() {
			if d.rec.Key != r.Key {
				return
			}
			if err != nil {
				into.Image, into.Resource = nil, theme.BrokenImageIcon()
				into.Refresh()
				return
			}
			setImage(into, img)
		})
	}()
}

func (d *detailView) copy(f string) {
	if !d.has {
		return
	}
	d.u.copyLink(d.rec, f)
	d.flash(fmt.Sprintf(lang.L("Copied %s"), lang.L(app.FormatLabel(f))))
}

// flash shows a short confirmation that fades after two seconds.
func (d *detailView) flash(s string) {
	d.copied.SetText(s)
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
			d.u.copyText(lang.L("private link"), links.URL)
			d.flash(fmt.Sprintf(lang.L("Copied a link valid for %s"), d.ttl.Selected))
		})
	}()
}

func (d *detailView) confirmDelete(r app.Record) {
	msg := fmt.Sprintf(lang.L("Delete %s and its thumbnail from the bucket? Links to it in your posts will stop working."), r.Name())
	dialog.ShowConfirm(lang.L("Delete upload"), msg, func(ok bool) {
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
				if d.rec.Key == r.Key {
					d.has = false
					d.body.Hide()
					d.empty.Show()
				}
			})
		}()
	}, d.u.w)
}
