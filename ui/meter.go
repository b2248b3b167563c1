package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// meter is a thin progress bar: a neutral track and a fill in the primary
// colour, nothing else. At 0 it is an empty track (Fyne's ProgressBar, in
// the dark theme, draws its track in a shade that reads as a full bar).
type meter struct {
	widget.BaseWidget
	value float64 // 0..1
}

func newMeter() *meter {
	m := &meter{}
	m.ExtendBaseWidget(m)
	return m
}

// SetValue sets the fraction done (clamped to 0..1).
func (m *meter) SetValue(v float64) {
	m.value = min(max(v, 0), 1)
	m.Refresh()
}

func (m *meter) CreateRenderer() fyne.WidgetRenderer {
	track := canvas.NewRectangle(color.Transparent)
	fill := canvas.NewRectangle(color.Transparent)
	r := &meterRenderer{m: m, track: track, fill: fill}
	r.Refresh()
	return r
}

type meterRenderer struct {
	m           *meter
	track, fill *canvas.Rectangle
}

const meterHeight = 6

func (r *meterRenderer) Layout(size fyne.Size) {
	y := (size.Height - meterHeight) / 2
	r.track.Move(fyne.NewPos(0, y))
	r.track.Resize(fyne.NewSize(size.Width, meterHeight))
	r.fill.Move(fyne.NewPos(0, y))
	r.fill.Resize(fyne.NewSize(size.Width*float32(r.m.value), meterHeight))
}

func (r *meterRenderer) MinSize() fyne.Size { return fyne.NewSize(40, meterHeight+4) }

func (r *meterRenderer) Refresh() {
	r.track.FillColor = theme.Color(theme.ColorNameInputBorder)
	r.track.CornerRadius = meterHeight / 2
	r.fill.FillColor = theme.Color(theme.ColorNamePrimary)
	r.fill.CornerRadius = meterHeight / 2
	r.fill.Hidden = r.m.value <= 0
	r.Layout(r.m.Size())
	r.track.Refresh()
	r.fill.Refresh()
}

func (r *meterRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.track, r.fill} }
func (r *meterRenderer) Destroy()                     {}
