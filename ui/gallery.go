package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// galleryView shows the history as a virtualised grid: only visible cards
// exist, records are read from the history database a page at a time and
// previews load off the UI thread, so 100,000 uploads cost no more than a
// screenful.
type galleryView struct {
	u       *UI
	total   int // every record (the drop zone shows while there are none)
	count   int // records matching the filter
	gen     int // bumped by reload: answers for an older generation are dropped
	shown   int // the generation the gallery shows (gen once its reload is in)
	pages   map[int][]app.Record
	loading map[int]bool
	grid    *widget.GridWrap
	none    *widget.Label // says a filter matches nothing
	show    app.Show      // which records (showSel)
	showSel *widget.Select
	box     *fyne.Container   // the grid, and none over it
	shows   map[*card]string  // which record key each card shows now
	reasons map[string]string // why a record has no preview
	restore string            // the status line before a hover
}

// pageSize records are read at once; maxPages pages are kept.
const (
	pageSize = 120
	maxPages = 16
)

// card is one upload in the grid: its preview in a fixed box, aligned to
// the box's top whatever its shape, and its name under it. Hovering shows
// the whole name (and why there is no preview) in the status line.
type card struct {
	widget.BaseWidget
	sel   *canvas.Rectangle // behind the card while its upload is the one in the detail pane
	img   *canvas.Image
	label *widget.Label
	tap   func()
	hover func(in bool)
}

// Card geometry: every cell the same size, so rows line up.
const (
	cardW, cardImgH = 150, 112
)

func newCard() *card {
	c := &card{img: canvas.NewImageFromResource(theme.FileImageIcon()), label: widget.NewLabel(""),
		sel: canvas.NewRectangle(theme.Color(theme.ColorNameSelection))}
	c.sel.CornerRadius = theme.InputRadiusSize()
	c.sel.Hide()
	c.img.FillMode = canvas.ImageFillContain
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.label.Alignment = fyne.TextAlignCenter
	c.ExtendBaseWidget(c)
	return c
}

func (c *card) CreateRenderer() fyne.WidgetRenderer {
	return &cardRenderer{c: c, objs: []fyne.CanvasObject{c.sel, c.img, c.label}}
}

type cardRenderer struct {
	c    *card
	objs []fyne.CanvasObject
}

// Layout puts the image at the top of its box, as tall as its shape asks
// (never taller than the box), the label right under the box.
func (r *cardRenderer) Layout(size fyne.Size) {
	w, h := size.Width, float32(cardImgH)
	iw, ih := w, h
	if m := r.c.img.Image; m != nil && m.Bounds().Dx() > 0 && m.Bounds().Dy() > 0 {
		b := m.Bounds()
		ih = min(h, w*float32(b.Dy())/float32(b.Dx()))
		iw = min(w, ih*float32(b.Dx())/float32(b.Dy()))
	}
	r.c.img.Move(fyne.NewPos((w-iw)/2, 0))
	r.c.img.Resize(fyne.NewSize(iw, ih))
	lh := r.c.label.MinSize().Height
	r.c.label.Move(fyne.NewPos(0, h))
	r.c.label.Resize(fyne.NewSize(w, lh))
	r.c.sel.Move(fyne.NewPos(-2, -2))
	r.c.sel.Resize(fyne.NewSize(w+4, h+lh+4))
}

func (r *cardRenderer) MinSize() fyne.Size {
	return fyne.NewSize(cardW, cardImgH+r.c.label.MinSize().Height)
}

func (r *cardRenderer) Refresh() {
	r.c.sel.FillColor = theme.Color(theme.ColorNameSelection)
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

func (r *cardRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *cardRenderer) Destroy()                     {}

func (c *card) Tapped(*fyne.PointEvent) {
	if c.tap != nil {
		c.tap()
	}
}

// MouseIn, MouseMoved and MouseOut make a card desktop.Hoverable.
func (c *card) MouseIn(*desktop.MouseEvent) {
	if c.hover != nil {
		c.hover(true)
	}
}

func (c *card) MouseMoved(*desktop.MouseEvent) {}

func (c *card) MouseOut() {
	if c.hover != nil {
		c.hover(false)
	}
}

func newGalleryView(u *UI) *galleryView {
	g := &galleryView{u: u, shows: map[*card]string{}, pages: map[int][]app.Record{}, loading: map[int]bool{}, reasons: map[string]string{}}
	g.grid = widget.NewGridWrap(func() int { return g.count },
		func() fyne.CanvasObject { return newCard() }, g.update)
	g.none = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	g.none.Wrapping = fyne.TextWrapWord
	g.none.Hide()
	g.box = container.NewStack(g.grid, container.NewCenter(g.none))
	g.showSel = widget.NewSelect(showLabels(), func(label string) {
		for i, l := range showLabels() {
			if l == label {
				g.show = showChoices[i]
			}
		}
		if g.u.filter != nil {
			g.reload()
		}
	})
	g.showSel.SetSelectedIndex(0)
	return g
}

// What the gallery can show: everything in the history, what another
// uploader or tool put in the bucket (not by thumbdrop), imported
// galleries, and uploads deleted from the bucket elsewhere (short labels:
// the selector sits beside the filter).
var showChoices = []app.Show{app.ShowLive, app.ShowBucket, app.ShowImported, app.ShowDeleted}

func showLabels() []string {
	return []string{lang.L("All uploads"), lang.L("Not by thumbdrop"), lang.L("Imported"), lang.L("Deleted")}
}

// query is what the gallery shows now.
func (g *galleryView) query() app.HistoryQuery {
	q := app.HistoryQuery{Show: g.show}
	if g.u.filter != nil {
		q.Text = g.u.filter.Text
	}
	return q
}

// reload counts the (filtered) history again and forgets the pages read
// (UI thread; the queries run off it).
func (g *galleryView) reload() {
	g.gen++
	gen, filter, q := g.gen, g.u.filter.Text, g.query()
	shown, hasShown := g.u.detail.current()
	go func() {
		ctx := context.Background()
		total, err1 := g.u.core.HistoryCount(ctx, app.HistoryQuery{Show: app.ShowEverything})
		count, err2 := g.u.core.HistoryCount(ctx, q)
		// The pane beside shows a record only while the gallery does.
		picked, err3 := true, error(nil)
		if hasShown && shown.Key != "" {
			picked, err3 = g.u.core.HistoryPicks(ctx, q, shown)
		}
		g.u.do(func() {
			if gen != g.gen {
				return
			}
			g.shown = gen
			if err := errors.Join(err1, err2, err3); err != nil {
				g.u.setStatus(err.Error())
				return
			}
			if cur, ok := g.u.detail.current(); !picked && ok && cur.Key == shown.Key && cur.Target == shown.Target {
				g.u.detail.clear()
			}
			g.total, g.count = total, count
			g.pages, g.loading = map[int][]app.Record{}, map[int]bool{}
			// A filter that matches nothing says so (a blank gallery
			// looks like a broken one).
			switch {
			case count == 0 && total > 0 && strings.TrimSpace(filter) != "":
				g.none.SetText(fmt.Sprintf(lang.L("No uploads match “%s”."), strings.TrimSpace(filter)))
				g.none.Show()
			case count == 0 && total > 0 && q.Show != app.ShowLive:
				g.none.SetText(lang.L("None here."))
				g.none.Show()
			default:
				g.none.Hide()
			}
			g.grid.Refresh()
			g.u.updateDropZone()
		})
	}()
}

// record returns the record shown at index id, if its page has been read;
// otherwise it starts reading the page.
func (g *galleryView) record(id int) (app.Record, bool) {
	p := id / pageSize
	recs, ok := g.pages[p]
	if !ok {
		g.load(p)
		return app.Record{}, false
	}
	if i := id % pageSize; i < len(recs) {
		return recs[i], true
	}
	return app.Record{}, false
}

// load reads page p of the history off the UI thread.
func (g *galleryView) load(p int) {
	if g.loading[p] {
		return
	}
	g.loading[p] = true
	gen, q := g.gen, g.query()
	go func() {
		recs, err := g.u.core.HistoryPage(context.Background(), q, p*pageSize, pageSize)
		g.u.do(func() {
			if gen != g.gen {
				return
			}
			delete(g.loading, p)
			if err != nil {
				g.u.setStatus(err.Error())
				return
			}
			if len(g.pages) >= maxPages { // keep the pages near this one
				for k := range g.pages {
					if k < p-maxPages/2 || k > p+maxPages/2 {
						delete(g.pages, k)
					}
				}
			}
			g.pages[p] = recs
			g.grid.Refresh()
		})
	}()
}

func (g *galleryView) update(id widget.GridWrapItemID, o fyne.CanvasObject) {
	c := o.(*card)
	r, ok := g.record(id)
	if !ok {
		c.label.SetText("")
		c.sel.Hide()
		c.tap = nil
		delete(g.shows, c)
		setPlaceholder(c.img)
		return
	}
	c.label.SetText(r.Name())
	if sel := g.u.detail.has && g.u.detail.rec.Key == r.Key; sel != c.sel.Visible() {
		c.sel.Hidden = !sel
		c.sel.Refresh()
	}
	c.tap = func() { g.u.detail.show(r) }
	c.hover = func(in bool) { g.hover(r, in) }
	if g.shows[c] == r.Key {
		return // already shows it (a page refresh)
	}
	g.shows[c] = r.Key
	if img, ok := g.u.core.CachedPreview(r, false); ok {
		setImage(c.img, img)
		c.Refresh()
		return
	}
	setPlaceholder(c.img)
	c.Refresh()
	go func() {
		img, err := g.u.core.Preview(context.Background(), r, false)
		g.u.do(func() {
			if g.shows[c] != r.Key { // the card was reused for another record meanwhile
				return
			}
			if err != nil {
				c.img.Resource, c.img.Image = theme.BrokenImageIcon(), nil
				c.img.Refresh()
				g.reasons[r.Key] = localize(err)
				c.label.SetText("⚠ " + r.Name())
				c.Refresh()
				return
			}
			setImage(c.img, img)
			c.Refresh()
		})
	}()
}

// hover says, in the status line, the whole name of the upload under the
// pointer, its status, and why it has no preview if it has none.
func (g *galleryView) hover(r app.Record, in bool) {
	if !in {
		if g.restore != "" {
			g.u.status.SetText(g.restore)
			g.restore = ""
		}
		return
	}
	if g.restore == "" {
		g.restore = g.u.status.Text
	}
	line := r.Name() + " · " + statusText(r.Status)
	if why := g.reasons[r.Key]; why != "" {
		line += " · " + lang.L("No preview") + ": " + why
	} else if r.Error != "" && r.Status != app.StatusReady {
		line += " · " + localize(app.RecordErr(r))
	}
	g.u.status.SetText(line)
}

func setImage(ci *canvas.Image, img image.Image) {
	ci.Resource, ci.Image = nil, img
	ci.Refresh()
}

func setPlaceholder(ci *canvas.Image) {
	ci.Image, ci.Resource = nil, theme.FileImageIcon()
	ci.Refresh()
}
