package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// importView is the Import… dialog (Ctrl+I): which app, where that app
// keeps its gallery, a file dialog opening there, then the import's
// progress and a line saying what it did (or, in the user's language,
// what is wrong with the file). The core does the work (Core.Import);
// the gallery shows the pictures under Imported.
type importView struct {
	u      *UI
	app    app.ImportApp
	appSel *widget.Select
	where  *widget.Label
	choose *widget.Button
	bar    *widget.ProgressBar
	line   *widget.Label
	box    *fyne.Container
	// cancel stops the import under way (nil when none runs).
	cancel context.CancelFunc
}

func newImportView(u *UI) *importView {
	v := &importView{u: u, app: app.ImportPicGo}
	var names []string
	for _, a := range app.ImportApps() {
		names = append(names, a.Name())
	}
	v.where = widget.NewLabel("")
	v.where.Wrapping = fyne.TextWrapWord
	v.where.Importance = widget.LowImportance
	v.appSel = widget.NewSelect(names, func(name string) {
		for _, a := range app.ImportApps() {
			if a.Name() == name {
				v.app = a
			}
		}
		v.where.SetText(localizeFix(app.ImportFiles(v.app)))
	})
	v.choose = widget.NewButton(lang.L("Choose the file…"), v.chooseFile)
	v.choose.Importance = widget.HighImportance
	v.bar = widget.NewProgressBar()
	v.bar.Hide()
	v.line = widget.NewLabel("")
	v.line.Wrapping = fyne.TextWrapWord
	intro := widget.NewLabel(lang.L("Bring the pictures another uploader made links for into thumbdrop's history. Their links stay as they are; nothing is uploaded, and removing one here only forgets it."))
	intro.Wrapping = fyne.TextWrapWord
	v.box = container.NewVBox(intro,
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("From")), nil, v.appSel),
		v.where, v.choose, v.bar, v.line)
	v.appSel.SetSelectedIndex(0)
	return v
}

// showImport shows the Import… dialog (UI thread).
func (u *UI) showImport() {
	if u.imports == nil {
		u.imports = newImportView(u)
	}
	u.imports.show()
}

func (v *importView) show() {
	d := dialog.NewCustom(lang.L("Import a gallery"), lang.L("Close"), v.box, v.u.w)
	v.u.showDialog(d, fyne.NewSize(560, 380))
}

// chooseFile opens a file dialog in the app's folder, where there is
// one; the import starts once a file is chosen, and the Import dialog
// shows again.
func (v *importView) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err == nil && r != nil {
			p := r.URI().Path()
			r.Close()
			v.start(p)
		}
		v.show()
	}, v.u.w)
	if dir := app.ImportFolder(v.app); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	v.u.showDialog(d, fyne.NewSize(720, 520))
}

// start imports path off the UI thread.
func (v *importView) start(path string) {
	if v.cancel != nil {
		return // one at a time
	}
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	v.choose.Disable()
	v.appSel.Disable()
	v.bar.SetValue(0)
	v.bar.Show()
	v.line.Importance = widget.MediumImportance
	v.line.SetText(fmt.Sprintf(lang.L("Reading %s…"), path))
	a := v.app
	go func() {
		rep, err := v.u.core.Import(ctx, a, path, func(p app.ImportProgress) {
			v.u.do(func() { v.progress(p) })
		})
		v.u.do(func() { v.done(rep, err) })
	}()
}

func (v *importView) progress(p app.ImportProgress) {
	if p.Total == 0 {
		v.line.SetText(fmt.Sprintf(lang.L("Reading… %d items"), p.Read))
		return
	}
	v.bar.SetValue(float64(p.Written) / float64(p.Total))
	v.line.SetText(fmt.Sprintf(lang.L("Importing… %d of %d pictures"), p.Written, p.Total))
}

// done says what the import did, in the dialog and the status line, and
// shows the gallery's imported pictures.
func (v *importView) done(rep app.ImportReport, err error) {
	v.cancel()
	v.cancel = nil
	v.choose.Enable()
	v.appSel.Enable()
	v.bar.Hide()
	if err != nil {
		v.line.Importance = widget.WarningImportance
		v.line.SetText(localize(err))
		v.u.setStatus(localize(err))
		return
	}
	text := fmt.Sprintf(lang.L("Imported %d pictures from %s: %d new, %d updated, %d unchanged"),
		rep.Pictures, rep.App.Name(), rep.New, rep.Updated, rep.Unchanged)
	if n := rep.NoLink + rep.NotImage; n > 0 {
		text += "; " + fmt.Sprintf(lang.L("%d not imported (%d without a link, %d not pictures)"), n, rep.NoLink, rep.NotImage)
	}
	v.line.Importance = widget.SuccessImportance
	v.line.SetText(text)
	v.u.setStatus(text)
	if rep.Pictures > 0 {
		v.u.gallery.showOnly(app.ShowImported)
	}
}

// stop cancels an import under way (the window closes).
func (v *importView) stop() {
	if v != nil && v.cancel != nil {
		v.cancel()
	}
}

// confirmForget asks before an imported picture is removed from the
// history, saying that it is only forgotten.
func (d *detailView) confirmForget(r app.Record, from app.ImportApp) {
	msg := fmt.Sprintf(lang.L("Forget %s? It was imported from %s: thumbdrop only removes it from its history. The picture stays where %s put it, and its links keep working."),
		r.Name(), from.Name(), from.Name())
	c := dialog.NewConfirm(lang.L("Forget imported picture"), msg, func(ok bool) {
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
				d.u.setStatus(fmt.Sprintf(lang.L("Forgot %s"), r.Name()))
				if d.rec.Key == r.Key && d.rec.Target == r.Target {
					d.clear()
				}
			})
		}()
	}, d.u.w)
	c.SetConfirmText(lang.L("Forget"))
	c.SetDismissText(lang.L("Cancel"))
	d.u.showDialog(c, fyne.NewSize(460, 220))
}

// showOnly sets the gallery's choice of records to show.
func (g *galleryView) showOnly(s app.Show) {
	for i, c := range showChoices {
		if c == s {
			g.showSel.SetSelectedIndex(i)
		}
	}
}
