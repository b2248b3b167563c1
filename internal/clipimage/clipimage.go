// Package clipimage reads an image (a screenshot) from the desktop's
// clipboard: on Wayland through wl-paste (wl-clipboard), on X11, Windows
// and macOS through golang.design/x/clipboard. Fyne's clipboard carries
// text only.
package clipimage

import (
	"context"
	"errors"
	"time"
)

// ErrNoImage: the clipboard holds no image (text, files, or nothing).
var ErrNoImage = errors.New("the clipboard holds no image")

// ErrNoClipboard: there is no display to have a clipboard (Linux and BSDs:
// a program started where neither WAYLAND_DISPLAY nor DISPLAY is set).
var ErrNoClipboard = errors.New("no clipboard: neither a Wayland nor an X11 display is set (WAYLAND_DISPLAY, DISPLAY)")

// Read returns the image on the clipboard, encoded (PNG, as screenshot
// tools and browsers put it there; another image type if that is all
// there is). getenv is os.Getenv, or a test's.
func Read(ctx context.Context, getenv func(string) string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return read(ctx, getenv)
}

// Name is what a clipboard image is uploaded as:
// clipboard-YYYYMMDD-HHMMSS.png (in local time, as screenshots are named),
// with the extension of its format.
func Name(t time.Time, ext string) string {
	if ext == "" {
		ext = ".png"
	}
	return "clipboard-" + t.Format("20060102-150405") + ext
}
