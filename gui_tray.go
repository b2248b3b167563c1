package main

import (
	"runtime"

	"github.com/godbus/dbus/v5"
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
