package ui

import (
	"context"
	"errors"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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
	pages   map[int][]app.Record
	loading map[int]bool
	grid    *widget.GridWrap
	shows   map[*card]string // which record key each card shows now
}

// pageSize records are read at once; maxPages pages are kept.
const (
	pageSize = 120
	maxPages = 16
)

type card struct {
	widget.BaseWidget
	img   *canvas.Image
	label *widget.Label
	tap   func()
}

func newCard() *card {
	c := &card{img: canvas.NewImageFromResource(theme.FileImageIcon()), label: widget.NewLabel("")}
	c.img.FillMode = canvas.ImageFillContain
	c.img.SetMinSize(fyne.NewSize(140, 110))
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.label.Alignment = fyne.TextAlignCenter
	c.ExtendBaseWidget(c)
	return c
}

func (c *card) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, c.label, nil, nil, c.img))
}

func (c *card) Tapped(*fyne.PointEvent) {
	if c.tap != nil {
		c.tap()
	}
}

func newGalleryView(u *UI) *galleryView {
	g := &galleryView{u: u, shows: map[*card]string{}, pages: map[int][]app.Record{}, loading: map[int]bool{}}
	g.grid = widget.NewGridWrap(func() int { return g.count },
		func() fyne.CanvasObject { return newCard() }, g.update)
	return g
}

// reload counts the (filtered) history again and forgets the pages read
// (UI thread; the queries run off it).
func (g *galleryView) reload() {
	g.gen++
	gen, filter := g.gen, g.u.filter.Text
	go func() {
		ctx := context.Background()
		total, err1 := g.u.core.HistoryCount(ctx, "")
		count, err2 := g.u.core.HistoryCount(ctx, filter)
		g.u.do(func() {
			if gen != g.gen {
				return
			}
			if err := errors.Join(err1, err2); err != nil {
				g.u.setStatus(err.Error())
				return
			}
			g.total, g.count = total, count
			g.pages, g.loading = map[int][]app.Record{}, map[int]bool{}
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
	gen, filter := g.gen, g.u.filter.Text
	go func() {
		recs, err := g.u.core.HistoryPage(context.Background(), filter, p*pageSize, pageSize)
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
		c.tap = nil
		delete(g.shows, c)
		setPlaceholder(c.img)
		return
	}
	c.label.SetText(r.Name())
	c.tap = func() { g.u.detail.show(r) }
	if g.shows[c] == r.Key {
		return // already shows it (a page refresh)
	}
	g.shows[c] = r.Key
	if img, ok := g.u.core.CachedPreview(r, false); ok {
		setImage(c.img, img)
		return
	}
	setPlaceholder(c.img)
	go func() {
		img, err := g.u.core.Preview(context.Background(), r, false)
		g.u.do(func() {
			if g.shows[c] != r.Key { // the card was reused for another record meanwhile
				return
			}
			if err != nil {
				c.img.Resource, c.img.Image = theme.BrokenImageIcon(), nil
				c.img.Refresh()
				return
			}
			setImage(c.img, img)
		})
	}()
}

func setImage(ci *canvas.Image, img image.Image) {
	ci.Resource, ci.Image = nil, img
	ci.Refresh()
}

func setPlaceholder(ci *canvas.Image) {
	ci.Image, ci.Resource = nil, theme.FileImageIcon()
	ci.Refresh()
}
