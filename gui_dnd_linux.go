//go:build linux

package main

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>

static Display *dnd_dpy;
static Atom dnd_sel;

static int dnd_open(void) {
	dnd_dpy = XOpenDisplay(NULL);
	if (!dnd_dpy) return 0;
	dnd_sel = XInternAtom(dnd_dpy, "XdndSelection", False);
	return 1;
}

// dnd_over: a drag and drop is under way (XdndSelection has an owner and
// a button is held) and the pointer is inside win.
static int dnd_over(unsigned long win) {
	Window root, child;
	int rx, ry, wx, wy;
	unsigned int mask;
	XWindowAttributes a;
	if (XGetSelectionOwner(dnd_dpy, dnd_sel) == None) return 0;
	if (!XQueryPointer(dnd_dpy, (Window)win, &root, &child, &rx, &ry, &wx, &wy, &mask)) return 0;
	if (!(mask & (Button1Mask | Button2Mask | Button3Mask))) return 0;
	if (!XGetWindowAttributes(dnd_dpy, (Window)win, &a)) return 0;
	return wx >= 0 && wy >= 0 && wx < a.width && wy < a.height;
}
*/
import "C"

import (
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

// watchDragOver tells show whether a drag is over w. Fyne (and GLFW) have
// no drag-enter event, so on X11 this watches the drag-and-drop selection
// and the pointer from a connection of its own, ten times a second.
func watchDragOver(w fyne.Window, show func(bool)) {
	if os.Getenv("DISPLAY") == "" || os.Getenv("WAYLAND_DISPLAY") != "" {
		return
	}
	go func() {
		if C.dnd_open() == 0 {
			return
		}
		var handle uintptr
		over := false
		for range time.Tick(100 * time.Millisecond) {
			if handle == 0 {
				fyne.DoAndWait(func() {
					if nw, ok := w.(driver.NativeWindow); ok {
						nw.RunNative(func(ctx any) {
							if x, ok := ctx.(driver.X11WindowContext); ok {
								handle = x.WindowHandle
							}
						})
					}
				})
				continue
			}
			now := C.dnd_over(C.ulong(handle)) != 0
			if now != over {
				over = now
				fyne.Do(func() { show(now) })
			}
		}
	}()
}
