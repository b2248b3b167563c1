//go:build !windows && !darwin

package clipimage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"

	"golang.design/x/clipboard"
)

func read(ctx context.Context, getenv func(string) string) ([]byte, error) {
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
