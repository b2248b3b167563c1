package main

import (
	"context"
	"runtime"

	"github.com/godbus/dbus/v5"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
)

// trayHost reports whether the desktop shows tray icons. Fyne's tray on
// Linux is a StatusNotifierItem, shown only where a StatusNotifierWatcher
// owns its name on the session bus (KDE, most panels; not stock GNOME).
// Windows and macOS always have one.
func trayHost() bool {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" {
		return true
	}
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return false
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false
	}
	if err := conn.Hello(); err != nil {
		return false
	}
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}

// agentControl lets the window show and stop the local agent.
type agentControl struct{ dirs app.Dirs }

func (a agentControl) Running() (string, bool) {
	st, ok := agent.ReadState(a.dirs)
	return st.Addr, ok
}

func (a agentControl) Stop() error {
	_, err := agent.Stop(context.Background(), a.dirs)
	return err
}
