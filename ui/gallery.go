package ui

import (
	"context"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// galleryView shows the history as a virtualised grid: only visible cards
// exist, and their previews load off the UI thread.
type galleryView struct {
	u       *UI
	records []app.Record
	total   int
	grid    *widget.GridWrap
	shows   map[*card]string // which record key each card shows now
}

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
	g := &galleryView{u: u, shows: map[*card]string{}}
	g.grid = widget.NewGridWrap(func() int { return len(g.records) },
		func() fyne.CanvasObject { return newCard() }, g.update)
	return g
}

// reload reads the (filtered) history (UI thread).
func (g *galleryView) reload() {
	h := g.u.core.History()
	g.total = h.Len()
	g.records = h.List(g.u.filter.Text)
	g.grid.Refresh()
	g.u.updateDropZone()
}

func (g *galleryView) update(id widget.GridWrapItemID, o fyne.CanvasObject) {
	if id >= len(g.records) {
		return
	}
	r := g.records[id]
	c := o.(*card)
	c.label.SetText(r.Name())
	c.tap = func() { g.u.detail.show(r) }
	g.shows[c] = r.Key
	p := g.u.core.Previews()
	if p == nil {
		setPlaceholder(c.img)
		return
	}
	if img, ok := p.Cached(r, false); ok {
		setImage(c.img, img)
		return
	}
	setPlaceholder(c.img)
	go func() {
		img, err := p.Load(context.Background(), r, false)
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
