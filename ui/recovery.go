package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/assets"
)

// ConfigRecovery is the window shown instead of the app when config.json
// cannot be read: it says what is wrong and where, and offers to reset the
// settings (the damaged file is kept beside them) or to quit and fix it by
// hand. reset does the reset and opens the app; its error is shown.
func ConfigRecovery(a fyne.App, path string, cause error, reset func() error) fyne.Window {
	assets.LoadTranslations()
	w := a.NewWindow("thumbdrop — " + lang.L("settings damaged"))
	w.SetIcon(assets.Icon)
	msg := widget.NewLabel(fmt.Sprintf(lang.L("The settings file %s cannot be read (%v)."), path, cause))
	msg.Wrapping = fyne.TextWrapWord
	help := widget.NewLabel(lang.L("Reset the settings to start in local mode with the defaults (the damaged file is kept beside them, to look at later), or quit and fix the file by hand."))
	help.Wrapping = fyne.TextWrapWord
	errLbl := widget.NewLabel("")
	errLbl.Importance = widget.DangerImportance
	errLbl.Wrapping = fyne.TextWrapWord
	resetBtn := widget.NewButtonWithIcon(lang.L("Reset settings"), theme.ViewRefreshIcon(), func() {
		if err := reset(); err != nil {
			errLbl.SetText(err.Error())
			return
		}
		w.Close()
	})
	resetBtn.Importance = widget.HighImportance
	quit := widget.NewButton(lang.L("Quit"), a.Quit)
	title := widget.NewLabelWithStyle(lang.L("thumbdrop's settings are damaged"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.SetContent(container.NewPadded(container.NewVBox(title, msg, help, errLbl, layout.NewSpacer(),
		container.NewHBox(layout.NewSpacer(), quit, resetBtn))))
	w.Resize(fyne.NewSize(560, 300))
	return w
}
