// Package ui is thumbdrop's desktop app: Fyne windows, widgets and dialogs
// over app.Core. It never talks to the SDK; every update from a goroutine
// goes through fyne.Do.
package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
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
	sync    *syncView
	imports *importView // the Import… dialog, once opened

	dropZone    *fyne.Container
	dropOverlay *fyne.Container
	main        *fyne.Container
	left        *fyne.Container // the queue above the gallery
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
	u.sync = newSyncView(u)
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
	// The sync line takes the room between the buttons (truncated when
	// the window is narrow).
	toolbar := container.NewBorder(nil, nil, container.NewHBox(addBtn, pasteBtn,
		widget.NewButtonWithIcon(lang.L("Import…"), theme.HistoryIcon(), u.showImport),
		widget.NewButtonWithIcon(lang.L("Settings"), theme.SettingsIcon(), u.ShowSettings),
		widget.NewButtonWithIcon(lang.L("Help"), theme.HelpIcon(), u.showHelp)), u.sync.btn, u.sync.line)

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

	galleryArea := container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, u.gallery.showSel, u.filter), hint),
		nil, nil, nil, u.gallery.box)
	u.left = container.NewBorder(u.queue.box, nil, nil, nil, galleryArea)
	left := u.left
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
		if e.Sync {
			u.do(u.sync.refresh)
		}
	})
	u.gallery.reload()
	u.queue.refresh()
	u.sync.refresh() // a sync that began (or ended) before the window watched
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
	u.imports.stop()
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
