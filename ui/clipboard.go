package ui

import (
	"context"
	"fmt"
	"net/url"

	"fyne.io/fyne/v2/lang"

	"github.com/thumbdrop/thumbdrop/app"
)

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
