package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// queueRows is how many rows the queue pane shows whole before it
// scrolls.
const queueRows = 3

// queueView is this session's uploads: a row per file with its name and
// size, its state or progress, and its actions in one column on the right
// (Cancel, Retry, Why, Copy).
type queueView struct {
	u     *UI
	jobs  []app.Job
	index map[int]int
	list  *widget.List
	box   *fyne.Container
	title *widget.Label
	clear *widget.Button
	rowH  float32
	// deleted are the keys of uploads deleted since: their rows say so
	// and offer no link.
	deleted map[string]bool
}

type queueRow struct {
	name, size, state *widget.Label
	bar               *meter
	cancel, retry     *widget.Button
	why, copy         *widget.Button
}

func newQueueView(u *UI) *queueView {
	q := &queueView{u: u, index: map[int]int{}}
	q.title = widget.NewLabelWithStyle(lang.L("Uploads"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	q.clear = widget.NewButtonWithIcon(lang.L("Clear finished"), theme.ContentClearIcon(), q.clearFinished)
	q.clear.Importance = widget.LowImportance
	q.list = widget.NewList(func() int { return len(q.jobs) }, q.create, q.update)
	q.rowH = q.create().MinSize().Height + theme.Padding()
	header := container.NewBorder(nil, nil, nil, q.clear, q.title)
	q.box = container.NewBorder(header, nil, nil, nil, container.New(&rowsLayout{q: q}, q.list))
	return q
}

// rowsLayout gives the list room for whole rows: up to queueRows, never a
// row cut in half.
type rowsLayout struct{ q *queueView }

func (l *rowsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l *rowsLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	n := min(max(len(l.q.jobs), 1), l.q.rowsThatFit())
	// Wide enough for the actions column, a size and the start of a name:
	// narrower, the labels would be drawn over each other.
	return fyne.NewSize(actionsWidth+140, float32(n)*l.q.rowH)
}

func (q *queueView) create() fyne.CanvasObject {
	icon := func(res fyne.Resource) *widget.Button {
		b := widget.NewButtonWithIcon("", res, nil)
		b.Importance = widget.LowImportance
		return b
	}
	r := &queueRow{
		name:   widget.NewLabel(""),
		size:   widget.NewLabel(""),
		state:  widget.NewLabel(""),
		bar:    newMeter(),
		cancel: icon(theme.CancelIcon()),
		retry:  widget.NewButtonWithIcon(lang.L("Retry"), theme.ViewRefreshIcon(), nil),
		why:    icon(theme.InfoIcon()),
		copy:   icon(theme.ContentCopyIcon()),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.size.Importance = widget.LowImportance
	// One column of actions, right-aligned, of a fixed width: rows line up
	// whatever their state.
	actions := container.NewHBox(layout.NewSpacer(), r.retry, r.why, r.cancel, r.copy)
	top := container.NewBorder(nil, nil, nil, r.size, r.name)
	mid := container.NewStack(r.bar, r.state)
	o := container.NewBorder(nil, nil, nil, container.New(&fixedWidth{w: actionsWidth}, actions), container.NewVBox(top, mid))
	o.Objects = append(o.Objects, &rowRef{r: r})
	return o
}

// rowsThatFit is how many whole rows the queue shows: up to queueRows,
// fewer in a short window, so that a row of the gallery stays in sight
// below it (the list scrolls).
func (q *queueView) rowsThatFit() int {
	if q.u == nil || q.u.w == nil || q.rowH <= 0 {
		return queueRows
	}
	h := q.u.w.Canvas().Size().Height
	if h <= 0 {
		return queueRows
	}
	// Around the rows: toolbar, the queue's title, filter and hint, a row
	// of gallery cards, the status line.
	const around = 44 + 40 + 80 + cardImgH + 40 + 36
	return min(max(int((h-around)/q.rowH), 1), queueRows)
}

// actionsWidth is the width of a row's column of buttons.
const actionsWidth = 190

// fixedWidth lays out its one object at a fixed minimum width.
type fixedWidth struct{ w float32 }

func (f *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (f *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(f.w, h)
}

// rowRef rides along in the row container to find the row's widgets.
type rowRef struct {
	widget.BaseWidget
	r *queueRow
}

func (*rowRef) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewWithoutLayout())
}

func rowOf(o fyne.CanvasObject) *queueRow {
	c := o.(*fyne.Container)
	return c.Objects[len(c.Objects)-1].(*rowRef).r
}

func (q *queueView) update(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(q.jobs) {
		return
	}
	j := q.jobs[id]
	r := rowOf(o)
	r.name.SetText(j.Name)
	r.size.SetText(app.HumanSize(j.Size))
	for _, b := range []*widget.Button{r.cancel, r.retry, r.why, r.copy} {
		b.Hide()
	}
	r.bar.Hide()
	r.state.Show()
	r.state.Importance = widget.MediumImportance
	switch j.State {
	case app.Queued:
		r.state.SetText(lang.L("Queued"))
		r.cancel.Show()
	case app.Hashing:
		r.state.SetText(lang.L("Checking…"))
		if j.Note != nil { // waiting on another thumbdrop with the same picture
			r.state.SetText(localize(j.Note))
		}
		r.cancel.Show()
	case app.Uploading:
		r.state.Hide()
		r.bar.Show()
		r.bar.SetValue(j.Progress())
		r.cancel.Show()
		if j.Note != nil { // held up: say so under the bar
			r.state.SetText(localize(j.Note))
			r.state.Importance = widget.WarningImportance
			r.state.Show()
		}
	case app.Waiting:
		r.state.SetText(fmt.Sprintf(lang.L("Waiting for thumbnail… %ds"), int(time.Since(j.WaitStarted).Seconds())))
		r.cancel.Show()
	case app.Done:
		switch j.Record.Status {
		case app.StatusDuplicate:
			r.state.SetText(lang.L("Already uploaded: its links are ready"))
			r.state.Importance = widget.SuccessImportance
			if j.Err != nil { // uploaded before copies were made: how to get them
				r.state.SetText(localize(j.Err))
				r.state.Importance = widget.WarningImportance
				r.why.Show()
			}
		case app.StatusTimeout:
			r.state.SetText(lang.L("Uploaded; no thumbnail came (is the resize function deployed?)"))
			r.state.Importance = widget.WarningImportance
			r.why.Show()
		case app.StatusUploaded:
			r.state.SetText(lang.L("Uploaded"))
			if j.Record.Error != "" { // refused by the resize function: why
				r.state.SetText(lang.L("Uploaded") + "; " + localize(app.RecordErr(j.Record)))
				r.state.Importance = widget.WarningImportance
				r.why.Show()
			}
		default:
			r.state.SetText(lang.L("Done"))
			r.state.Importance = widget.SuccessImportance
		}
		if j.Record.LocationRemoved {
			r.state.SetText(r.state.Text + " · " + lang.L("location removed"))
		}
		if p := j.Record.Prepared; p != nil { // made web-ready: how
			r.state.SetText(r.state.Text + " · " + p.Summary)
		}
		if j.Record.WebKey != "" {
			r.state.SetText(r.state.Text + " · " + lang.L("JPEG web copy"))
		}
		if q.deleted[j.Record.Key] {
			r.state.SetText(lang.L("Deleted"))
			r.state.Importance = widget.MediumImportance
			r.why.Hide()
			break // no link to copy: it would not answer
		}
		r.copy.Show()
	case app.Failed:
		r.state.SetText(localize(j.Err))
		r.state.Importance = widget.DangerImportance
		r.retry.Show()
		r.why.Show()
	case app.Canceled:
		r.state.SetText(lang.L("Canceled"))
		r.retry.Show()
	}
	r.state.Refresh()
	id2, name := j.ID, j.Name
	rec := j.Record
	why := r.state.Text
	if j.State == app.Failed && j.Err != nil {
		why = localize(j.Err)
	} else if rec.Error != "" {
		why = localize(app.RecordErr(rec))
	}
	r.cancel.OnTapped = func() { q.u.core.Cancel(id2) }
	r.retry.OnTapped = func() { q.u.core.Retry(id2) }
	r.copy.OnTapped = func() { q.u.copyLink(rec, q.u.core.Config().CopyFormat) }
	r.why.OnTapped = func() { q.u.showReason(name, why) }
}

// showReason shows a row's whole reason, which the row cuts short, with a
// button to copy it.
func (u *UI) showReason(name, reason string) {
	text := widget.NewLabel(reason)
	text.Wrapping = fyne.TextWrapWord
	text.Selectable = true
	copyBtn := widget.NewButtonWithIcon(lang.L("Copy"), theme.ContentCopyIcon(), func() { u.copyText(lang.L("the message"), reason) })
	d := dialog.NewCustom(name, lang.L("Close"), container.NewBorder(nil, container.NewHBox(copyBtn), nil, nil, text), u.w)
	u.showDialog(d, fyne.NewSize(520, 260))
}

// apply records a job's new state (UI thread).
func (q *queueView) apply(j app.Job) {
	if i, ok := q.index[j.ID]; ok {
		q.jobs[i] = j
		q.list.RefreshItem(i)
		q.updateClear()
	} else {
		q.index[j.ID] = len(q.jobs)
		q.jobs = append(q.jobs, j)
		q.refresh()
	}
}

// markDeleted marks the rows of the upload with this key as deleted.
func (q *queueView) markDeleted(key string) {
	if q.deleted == nil {
		q.deleted = map[string]bool{}
	}
	q.deleted[key] = true
	for i, j := range q.jobs {
		if j.Record.Key == key {
			q.list.RefreshItem(i)
		}
	}
}

// clearFinished forgets the rows that are done, failed or canceled.
func (q *queueView) clearFinished() {
	q.u.core.ClearFinished()
	keep := q.jobs[:0]
	for _, j := range q.jobs {
		if !j.State.Terminal() {
			keep = append(keep, j)
		}
	}
	q.jobs = keep
	q.index = map[int]int{}
	for i, j := range q.jobs {
		q.index[j.ID] = i
	}
	q.refresh()
	q.u.updateOverall()
	q.u.updateDropZone()
}

func (q *queueView) refresh() {
	q.title.SetText(fmt.Sprintf("%s (%d)", lang.L("Uploads"), len(q.jobs)))
	// The queue pane appears with this session's first upload; until then
	// the gallery has the whole column.
	if len(q.jobs) == 0 {
		q.box.Hide()
	} else {
		q.box.Show()
	}
	q.updateClear()
	q.list.Refresh()
	q.box.Refresh()
	if q.u.left != nil {
		q.u.left.Refresh() // fewer rows: the gallery takes the room they left
	}
}

// updateClear enables Clear finished while a row is finished.
func (q *queueView) updateClear() {
	for _, j := range q.jobs {
		if j.State.Terminal() {
			q.clear.Enable()
			return
		}
	}
	q.clear.Disable()
}
