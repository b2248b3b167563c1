// Package ui is thumbdrop's desktop app: Fyne windows, widgets and dialogs
// over app.Core. It never talks to the SDK; every update from a goroutine
// goes through fyne.Do.
package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/assets"
)

// Preference keys.
const (
	prefWidth  = "window.width"
	prefHeight = "window.height"
)

// UI is the main window and what it shows.
type UI struct {
	a    fyne.App
	w    fyne.Window
	core *app.Core

	queue   *queueView
	gallery *galleryView
	detail  *detailView

	dropZone    *fyne.Container
	dropOverlay *fyne.Container
	main        *fyne.Container
	status      *widget.Label
	overall     *meter
	overallText *widget.Label
	overallBox  *fyne.Container
	filter      *filterEntry
	// batch is the IDs of the jobs of the batch under way: the overall bar
	// counts them only.
	batch map[int]bool
	// dialog is the dialog on screen (Help, Settings, a confirmation):
	// Escape closes it, and opening another replaces it.
	dialog dialog.Dialog

	batchActive bool
	tickStop    chan struct{}
	openErr     error
	do          func(func())
	stopWatch   func()
	hasTray     bool
	clipImage   func(ctx context.Context) ([]byte, error)
	// settings is the Settings dialog's form while it shows (Ctrl+, does
	// not stack a second one).
	settings *Settings
}

// Options adjust New.
type Options struct {
	// Do runs f on the UI thread; fyne.Do by default. Tests pass their own
	// to run every update on the test goroutine.
	Do func(f func())
	// TrayHost reports whether the desktop shows tray icons. Where it
	// does, closing the window leaves thumbdrop in the tray; where it does
	// not (stock GNOME), closing the window quits.
	TrayHost func() bool
	// ClipboardImage reads an image from the clipboard (Fyne's clipboard
	// holds text only); nil: pasting takes file paths only.
	ClipboardImage func(ctx context.Context) ([]byte, error)
}

// New builds the main window. openErr is the error of core.Open, if any:
// the window says what went wrong and offers Settings.
func New(a fyne.App, core *app.Core, openErr error) *UI {
	return NewWithOptions(a, core, openErr, Options{})
}

// NewWithOptions is New with options.
func NewWithOptions(a fyne.App, core *app.Core, openErr error, o Options) *UI {
	assets.LoadTranslations()
	if t, ok := koreanFonts(theme.DefaultTheme()); ok {
		a.Settings().SetTheme(t)
	}
	u := &UI{a: a, core: core, openErr: openErr, do: o.Do, clipImage: o.ClipboardImage}
	if u.do == nil {
		u.do = fyne.Do
	}
	if o.TrayHost != nil {
		u.hasTray = o.TrayHost()
	}
	u.w = a.NewWindow(u.title())
	u.w.SetIcon(assets.Icon)
	u.queue = newQueueView(u)
	u.gallery = newGalleryView(u)
	u.detail = newDetailView(u)
	u.status = widget.NewLabel("")
	u.status.Truncation = fyne.TextTruncateEllipsis
	u.overall = newMeter()
	u.overallText = widget.NewLabel("")
	u.overallBox = container.NewBorder(nil, nil, nil, u.overallText, u.overall)
	u.overallBox.Hide()
	u.filter = newFilterEntry(u)
	u.filter.SetPlaceHolder(lang.L("Filter uploads…"))
	u.filter.OnChanged = func(string) { u.gallery.reload() }

	addBtn := widget.NewButtonWithIcon(lang.L("Add…"), theme.ContentAddIcon(), u.showOpen)
	addBtn.Importance = widget.HighImportance
	pasteBtn := widget.NewButtonWithIcon(lang.L("Paste"), theme.ContentPasteIcon(), u.Paste)
	toolbar := container.NewHBox(addBtn, pasteBtn,
		widget.NewButtonWithIcon(lang.L("Settings"), theme.SettingsIcon(), u.ShowSettings),
		widget.NewButtonWithIcon(lang.L("Help"), theme.HelpIcon(), u.showHelp),
		layout.NewSpacer())

	// The empty screen: one big drop target (the toolbar's Add… is the
	// only button). Once there are uploads, a one-line hint says the
	// window still takes drops, and an overlay shows while a drag is over it.
	big := canvas.NewImageFromResource(theme.NewPrimaryThemedResource(theme.UploadIcon()))
	big.SetMinSize(fyne.NewSize(96, 96))
	big.FillMode = canvas.ImageFillContain
	panel := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	panel.StrokeColor = theme.Color(theme.ColorNamePrimary)
	panel.StrokeWidth = 2
	panel.CornerRadius = 16
	u.dropZone = container.NewPadded(container.NewStack(panel, container.NewCenter(container.NewVBox(
		container.NewCenter(big),
		widget.NewLabelWithStyle(lang.L("Drop images here"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle(lang.L("or press Add… (Ctrl+O), or paste a screenshot with Ctrl+V"), fyne.TextAlignCenter, fyne.TextStyle{}),
	))))
	hint := widget.NewLabelWithStyle(lang.L("Drop photos anywhere in this window · Ctrl+V pastes a screenshot"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	hint.Importance = widget.LowImportance
	hint.Truncation = fyne.TextTruncateEllipsis
	overlayBg := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNamePrimary), 0x40))
	overlayBg.StrokeColor = theme.Color(theme.ColorNamePrimary)
	overlayBg.StrokeWidth = 3
	overlayBg.CornerRadius = 16
	u.dropOverlay = container.NewPadded(container.NewStack(overlayBg, container.NewCenter(
		widget.NewLabelWithStyle(lang.L("Drop to upload"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))))
	u.dropOverlay.Hide()

	galleryArea := container.NewBorder(container.NewVBox(u.filter, hint), nil, nil, nil, u.gallery.grid)
	left := container.NewBorder(u.queue.box, nil, nil, nil, galleryArea)
	split := container.NewHSplit(left, u.detail.box)
	split.Offset = 0.6
	u.main = container.NewStack(split, u.dropZone, u.dropOverlay)
	bottom := container.NewVBox(u.overallBox, u.status)
	u.w.SetContent(container.NewBorder(toolbar, bottom, nil, nil, u.main))

	u.w.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { u.HandleDrop(uris) })
	u.shortcuts()
	u.systemTray()
	w, h := a.Preferences().FloatWithFallback(prefWidth, 1024), a.Preferences().FloatWithFallback(prefHeight, 720)
	u.w.Resize(fyne.NewSize(float32(w), float32(h)))
	u.w.SetCloseIntercept(func() {
		u.saveSize()
		if u.hasTray {
			u.w.Hide() // the tray's Show brings it back
			return
		}
		u.Quit()
	})
	u.stopWatch = core.Watch(func(e app.Event) {
		if e.Job != nil {
			j := *e.Job
			u.do(func() { u.onJob(j) })
		}
		if e.History {
			u.do(u.gallery.reload)
		}
		if e.Config {
			elsewhere := e.Elsewhere
			u.do(func() { u.configChanged(elsewhere) })
		}
		if e.Agent {
			u.do(u.agentChanged)
		}
	})
	u.gallery.reload()
	u.queue.refresh()
	u.updateDropZone()
	if openErr != nil {
		u.setStatus(lang.L("Not connected") + ": " + localize(openErr))
	} else {
		u.setStatus(u.targetLine())
	}
	return u
}

// agentChanged refreshes what the window says of the agent (it started,
// or stopped, here or elsewhere).
func (u *UI) agentChanged() {
	if u.openErr == nil && !u.batchActive {
		u.setStatus(u.targetLine())
	}
	if u.settings != nil {
		u.settings.refreshAgent()
	}
}

// configChanged follows a settings change, here or outside the window
// ('thumbdrop config set', another process's Settings): the title, the
// status line, the gallery (another target has another history) and the
// detail pane; an open Settings form says when it happened elsewhere.
func (u *UI) configChanged(elsewhere bool) {
	u.w.SetTitle(u.title())
	if !u.batchActive {
		u.setStatus(u.targetLine())
	}
	u.gallery.reload()
	u.detail.targetChanged()
	if u.settings != nil && elsewhere {
		u.settings.configChanged()
	}
}

// saveSize remembers the window's size for the next start.
func (u *UI) saveSize() {
	sz := u.w.Canvas().Size()
	u.a.Preferences().SetFloat(prefWidth, float64(sz.Width))
	u.a.Preferences().SetFloat(prefHeight, float64(sz.Height))
}

// Quit ends the app (Ctrl+Q, the tray's Quit, closing the window where
// there is no tray). Uploads in progress are canceled; the agent keeps
// serving local links.
func (u *UI) Quit() {
	u.saveSize()
	if u.stopWatch != nil {
		u.stopWatch()
	}
	u.a.Quit()
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.w }

func (u *UI) title() string {
	c := u.core.Config()
	if c.Target == app.TargetS3 {
		return "thumbdrop — " + c.Bucket
	}
	return "thumbdrop — " + lang.L("local")
}

func (u *UI) targetLine() string {
	c := u.core.Config()
	if c.Target == app.TargetLocal {
		line := lang.L("Local mode: uploads stay on this computer")
		if !u.core.HasAgent() {
			return line
		}
		st, running, startErr := u.core.AgentStatus()
		if running {
			return line + "; " + fmt.Sprintf(lang.L("links are served by the thumbdrop agent on %s"), "http://"+st.Links)
		}
		if startErr != nil {
			return line + "; " + fmt.Sprintf(lang.L("links do not answer: the thumbdrop agent that serves them could not start (%s)"), localize(startErr))
		}
		return line + "; " + lang.L("the thumbdrop agent that serves links is not running (it starts with the next upload)")
	}
	where := c.Endpoint
	if where == "" {
		where = "AWS " + c.Region
	}
	return fmt.Sprintf("%s: %s (%s)", lang.L("Bucket"), c.Bucket, where)
}

func (u *UI) setStatus(s string) { u.status.SetText(s) }

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

// onJob applies a job event (UI thread).
func (u *UI) onJob(j app.Job) {
	u.queue.apply(j)
	if !u.batch[j.ID] {
		if !u.batchActive { // a new batch: the last one had ended
			u.batch = map[int]bool{}
			if u.openErr == nil {
				u.setStatus(u.targetLine()) // not what was said before it ("Deleted …")
			}
		}
		u.batch[j.ID] = true
	}
	active, _, total, failed := u.updateOverall()
	if active > 0 {
		u.batchActive = true
		u.startTicker()
	} else if u.batchActive {
		u.batchActive = false
		msg := lang.L("1 upload finished")
		if total != 1 {
			msg = fmt.Sprintf(lang.L("%d uploads finished"), total)
		}
		if failed > 0 {
			msg += ", " + fmt.Sprintf(lang.L("%d failed"), failed)
		}
		u.setStatus(msg)
		u.a.SendNotification(fyne.NewNotification("thumbdrop", msg))
	}
	if j.State == app.Done {
		u.detail.showIfNone(j.Record)
	}
	u.updateDropZone()
}

// updateOverall sets the overall bar from the batch under way: finished
// files count whole, a running one by where it is (checked, uploading by
// its bytes, waiting for its thumbnail), so the bar reaches its end with
// the last file, never before, and agrees with "k of n files done".
func (u *UI) updateOverall() (active, done, total, failed int) {
	var progress float64
	for _, q := range u.queue.jobs {
		if !u.batch[q.ID] {
			continue
		}
		total++
		switch q.State {
		case app.Queued:
			active++
		case app.Hashing:
			active++
			progress += 0.02
		case app.Uploading:
			active++
			progress += 0.05 + 0.85*q.Progress()
		case app.Waiting:
			active++
			progress += 0.95
		case app.Failed:
			failed++
			done++
			progress++
		default:
			done++
			progress++
		}
	}
	if active == 0 || total == 0 {
		u.overallBox.Hide()
		return
	}
	u.overall.SetValue(progress / float64(total))
	u.overallText.SetText(fmt.Sprintf(lang.L("%d of %d files done"), done, total))
	u.overallBox.Show()
	u.setStatus(fmt.Sprintf(lang.L("%d of %d files done"), done, total))
	return
}

// startTicker refreshes elapsed times while a batch runs.
func (u *UI) startTicker() {
	if u.tickStop != nil {
		return
	}
	stop := make(chan struct{})
	u.tickStop = stop
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				u.do(func() {
					u.queue.list.Refresh()
					if !u.batchActive && u.tickStop == stop {
						close(stop)
						u.tickStop = nil
					}
				})
			}
		}
	}()
}

// copyText puts text on the clipboard and confirms briefly.
func (u *UI) copyText(what, text string) {
	u.a.Clipboard().SetContent(text)
	u.setStatus(fmt.Sprintf(lang.L("Copied %s"), what))
}

// copyLink resolves r's links (presigned ones fresh) off the UI thread,
// copies format f and says so in the status line.
func (u *UI) copyLink(r app.Record, f string) {
	u.copyLinkThen(r, f, nil)
}

// copyLinkThen copies like copyLink; done, if set, confirms instead of the
// status line (one confirmation, where the user looks).
func (u *UI) copyLinkThen(r app.Record, f string, done func()) {
	go func() {
		link, err := u.core.Link(context.Background(), f, r)
		u.do(func() {
			if err != nil {
				u.showError(err)
				return
			}
			if done != nil {
				u.a.Clipboard().SetContent(link)
				done()
				return
			}
			u.copyText(lang.L(app.FormatLabel(f)), link)
		})
	}()
}

func (u *UI) openURL(s string) {
	if parsed, err := url.Parse(s); err == nil {
		if err := u.a.OpenURL(parsed); err != nil {
			u.showError(err)
		}
	}
}

func (u *UI) showError(err error) {
	if err == nil {
		return
	}
	msg := localize(err)
	u.setStatus(msg)
	u.showDialog(dialog.NewError(errors.New(msg), u.w), fyne.NewSize(480, 200))
}

func (u *UI) shortcuts() {
	c := u.w.Canvas()
	mod := fyne.KeyModifierShortcutDefault
	add := func(k fyne.KeyName, m fyne.KeyModifier, fn func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: m}, func(fyne.Shortcut) { fn() })
	}
	add(fyne.KeyO, mod, u.showOpen)
	add(fyne.KeyComma, mod, u.ShowSettings)
	add(fyne.KeyF, mod, func() { c.Focus(u.filter) })
	add(fyne.KeyQ, mod, u.Quit)
	add(fyne.KeyC, mod|fyne.KeyModifierShift, func() {
		if r, ok := u.detail.current(); ok {
			u.copyLink(r, u.core.Config().CopyFormat)
		}
	})
	c.AddShortcut(&fyne.ShortcutPaste{}, func(fyne.Shortcut) { u.Paste() })
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeyEscape:
			u.closeDialog()
		case fyne.KeyF1:
			u.showHelp()
		case fyne.KeyDelete:
			if r, ok := u.detail.current(); ok {
				u.detail.confirmDelete(r)
			}
		}
	})
}

// Shortcuts lists the keyboard shortcuts for the Help dialog.
func Shortcuts() [][2]string {
	return [][2]string{
		{"Ctrl+O", lang.L("Add images…")},
		{"Ctrl+V", lang.L("Upload the screenshot on the clipboard, or the files whose paths are there")},
		{"Ctrl+Shift+C", lang.L("Copy the selected upload's link in the default format")},
		{"Ctrl+F", lang.L("Filter uploads")},
		{"Delete", lang.L("Delete the selected upload (asks first)")},
		{"Ctrl+,", lang.L("Settings")},
		{"F1", lang.L("Help")},
		{"Ctrl+Q", lang.L("Quit")},
	}
}

func (u *UI) showHelp() {
	rows := container.New(layout.NewFormLayout())
	for _, s := range Shortcuts() {
		rows.Add(widget.NewLabelWithStyle(s[0], fyne.TextAlignTrailing, fyne.TextStyle{Monospace: true}))
		rows.Add(widget.NewLabel(s[1]))
	}
	md := u.a.Metadata()
	about := widget.NewLabel(fmt.Sprintf("thumbdrop %s\n%s\n\n%s\n\n%s", md.Version,
		lang.L("Drop photos, get links for your post. Thumbnails are made by the same Go code on AWS Lambda and in local mode."),
		lang.L("In local mode, links are served by the thumbdrop agent, a small background program that keeps running after you quit the app so the links in your posts keep working. Stop it in Settings, or with 'thumbdrop serve --stop'."),
		fmt.Sprintf(lang.L("Typora, Obsidian (Image Auto Upload) and VS Code (PicGo) upload through the agent: choose their PicGo-Server uploader at http://%s."),
			u.core.Config().PicGoServer)))
	about.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(lang.L("Help"), lang.L("Close"), container.NewVScroll(container.NewVBox(about, widget.NewSeparator(), rows)), u.w)
	u.showDialog(d, fyne.NewSize(620, 540))
}

// showDialog shows d as the one dialog on screen: one already there (Help
// when Ctrl+, asks for Settings) is closed first, and Escape closes it.
func (u *UI) showDialog(d dialog.Dialog, size fyne.Size) {
	if u.dialog != nil {
		u.dialog.Hide()
	}
	u.dialog = d
	d.SetOnClosed(func() {
		if u.dialog == d {
			u.dialog = nil
		}
	})
	d.Show()
	d.Resize(size)
}

// closeDialog closes the dialog on screen (Escape); it reports whether
// there was one.
func (u *UI) closeDialog() bool {
	if u.dialog == nil {
		return false
	}
	u.dialog.Hide()
	u.dialog = nil
	return true
}

func (u *UI) systemTray() {
	desk, ok := u.a.(desktop.App)
	if !ok {
		return
	}
	show := fyne.NewMenuItem(lang.L("Show thumbdrop"), func() { u.w.Show(); u.w.RequestFocus() })
	add := fyne.NewMenuItem(lang.L("Add images…"), func() { u.w.Show(); u.showOpen() })
	paste := fyne.NewMenuItem(lang.L("Upload the screenshot on the clipboard"), u.Paste)
	desk.SetSystemTrayMenu(fyne.NewMenu("thumbdrop", show, add, paste))
	desk.SetSystemTrayIcon(assets.Icon)
}

// reconnected updates the window after settings changed.
func (u *UI) reconnected(err error) {
	u.openErr = err
	u.w.SetTitle(u.title())
	if err != nil {
		u.setStatus(lang.L("Not connected") + ": " + localize(err))
	} else {
		u.setStatus(u.targetLine())
	}
	u.gallery.reload()
	u.detail.targetChanged()
}

var errCanceled = errors.New("canceled")

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
