// Package clipimage reads an image (a screenshot) from the desktop's
// clipboard: on Wayland through wl-paste (wl-clipboard), on X11 through
// golang.design/x/clipboard. Fyne's clipboard carries text only.
package clipimage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"golang.design/x/clipboard"
)

// ErrNoImage: the clipboard holds no image (text, files, or nothing).
var ErrNoImage = errors.New("the clipboard holds no image")

// ErrNoClipboard: there is no display to have a clipboard.
var ErrNoClipboard = errors.New("no clipboard: neither a Wayland nor an X11 display is set (WAYLAND_DISPLAY, DISPLAY)")

// Read returns the image on the clipboard, encoded (PNG, as screenshot
// tools and browsers put it there; another image type if that is all
// there is). getenv is os.Getenv, or a test's.
func Read(ctx context.Context, getenv func(string) string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if getenv("WAYLAND_DISPLAY") != "" {
		if path, err := exec.LookPath("wl-paste"); err == nil {
			return wayland(ctx, path)
		}
		if getenv("DISPLAY") == "" {
			return nil, errors.New("no clipboard: on Wayland, reading images needs wl-paste (apt install wl-clipboard)")
		}
	}
	if getenv("DISPLAY") != "" {
		return x11()
	}
	return nil, ErrNoClipboard
}

// wayland asks wl-paste what the clipboard offers and takes an image.
func wayland(ctx context.Context, wlPaste string) ([]byte, error) {
	types, err := exec.CommandContext(ctx, wlPaste, "--list-types").Output()
	if err != nil {
		return nil, ErrNoImage // an empty clipboard makes wl-paste fail
	}
	pick := ""
	for _, t := range strings.Fields(string(types)) {
		if t == "image/png" {
			pick = t
			break
		}
		if strings.HasPrefix(t, "image/") && pick == "" {
			pick = t
		}
	}
	if pick == "" {
		return nil, ErrNoImage
	}
	out, err := exec.CommandContext(ctx, wlPaste, "--no-newline", "--type", pick).Output()
	if err != nil {
		return nil, fmt.Errorf("read the clipboard with wl-paste: %w", err)
	}
	if len(out) == 0 {
		return nil, ErrNoImage
	}
	return out, nil
}

var (
	x11Once sync.Once
	x11Err  error
)

// x11 reads the clipboard selection's image/png target.
func x11() ([]byte, error) {
	x11Once.Do(func() { x11Err = clipboard.Init() })
	if x11Err != nil {
		return nil, fmt.Errorf("no clipboard: the X11 display cannot be opened")
	}
	b := clipboard.Read(clipboard.FmtImage)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ErrNoImage
	}
	return b, nil
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
