package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// queueView is this session's uploads: a row per file with its progress,
// state and Cancel / Retry / Copy.
type queueView struct {
	u     *UI
	jobs  []app.Job
	index map[int]int
	list  *widget.List
	box   *fyne.Container
	title *widget.Label
	split *container.Split
}

type queueRow struct {
	name, size, state *widget.Label
	bar               *widget.ProgressBar
	cancel, retry     *widget.Button
	copy              *widget.Button
}

func newQueueView(u *UI) *queueView {
	q := &queueView{u: u, index: map[int]int{}}
	q.title = widget.NewLabelWithStyle(lang.L("Uploads"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	q.list = widget.NewList(func() int { return len(q.jobs) }, q.create, q.update)
	q.box = container.NewBorder(q.title, nil, nil, nil, q.list)
	return q
}

func (q *queueView) create() fyne.CanvasObject {
	r := &queueRow{
		name:   widget.NewLabel(""),
		size:   widget.NewLabel(""),
		state:  widget.NewLabel(""),
		bar:    widget.NewProgressBar(),
		cancel: widget.NewButtonWithIcon("", theme.CancelIcon(), nil),
		retry:  widget.NewButtonWithIcon(lang.L("Retry"), theme.ViewRefreshIcon(), nil),
		copy:   widget.NewButtonWithIcon("", theme.ContentCopyIcon(), nil),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.state.Importance = widget.LowImportance
	buttons := container.NewHBox(r.cancel, r.retry, r.copy)
	top := container.NewBorder(nil, nil, nil, r.size, r.name)
	mid := container.NewStack(r.bar, r.state)
	o := container.NewBorder(nil, nil, nil, buttons, container.NewVBox(top, mid))
	o.Objects = append(o.Objects, &rowRef{r: r})
	return o
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
	r.bar.Hide()
	r.cancel.Hide()
	r.retry.Hide()
	r.copy.Hide()
	r.state.Show()
	r.state.Importance = widget.LowImportance
	switch j.State {
	case app.Queued:
		r.state.SetText(lang.L("Queued"))
		r.cancel.Show()
	case app.Hashing:
		r.state.SetText(lang.L("Checking…"))
		r.cancel.Show()
	case app.Uploading:
		r.state.Hide()
		r.bar.Show()
		r.bar.SetValue(j.Progress())
		r.cancel.Show()
	case app.Waiting:
		r.state.SetText(fmt.Sprintf(lang.L("Waiting for thumbnail… %ds"), int(time.Since(j.WaitStarted).Seconds())))
		r.cancel.Show()
	case app.Done:
		switch j.Record.Status {
		case app.StatusDuplicate:
			r.state.SetText(lang.L("Already uploaded: its links are ready"))
		case app.StatusTimeout:
			r.state.SetText(lang.L("Uploaded; no thumbnail came (is the resize function deployed?)"))
			r.state.Importance = widget.WarningImportance
		case app.StatusUploaded:
			if j.Record.Error != "" { // refused by the resize function: why
				r.state.SetText(lang.L("Uploaded") + "; " + j.Record.Error)
				r.state.Importance = widget.WarningImportance
				break
			}
			r.state.SetText(lang.L("Uploaded"))
		default:
			r.state.SetText(lang.L("Done"))
			r.state.Importance = widget.SuccessImportance
		}
		if j.Record.LocationRemoved {
			r.state.SetText(r.state.Text + " · " + lang.L("location removed"))
		}
		r.copy.Show()
	case app.Failed:
		r.state.SetText(j.Err.Error())
		r.state.Importance = widget.DangerImportance
		r.retry.Show()
	case app.Canceled:
		r.state.SetText(lang.L("Canceled"))
		r.retry.Show()
	}
	r.state.Refresh()
	id2 := j.ID
	rec := j.Record
	r.cancel.OnTapped = func() { q.u.core.Cancel(id2) }
	r.retry.OnTapped = func() { q.u.core.Retry(id2) }
	r.copy.OnTapped = func() { q.u.copyLink(rec, q.u.core.Config().CopyFormat) }
}

// apply records a job's new state (UI thread).
func (q *queueView) apply(j app.Job) {
	if i, ok := q.index[j.ID]; ok {
		q.jobs[i] = j
		q.list.RefreshItem(i)
	} else {
		q.index[j.ID] = len(q.jobs)
		q.jobs = append(q.jobs, j)
		q.refresh()
	}
}

func (q *queueView) refresh() {
	q.title.SetText(fmt.Sprintf("%s (%d)", lang.L("Uploads"), len(q.jobs)))
	// The queue pane appears with this session's first upload; until then
	// the gallery has the whole column.
	if len(q.jobs) == 0 {
		q.box.Hide()
	} else if !q.box.Visible() {
		q.box.Show()
		if q.split != nil {
			q.split.Offset = 0.4
		}
	}
	if q.split != nil {
		q.split.Refresh()
	}
	q.list.Refresh()
}
