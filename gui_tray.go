package main

import (
	"context"
	"runtime"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/ui"
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

// agentControl lets the window show, start and stop the local agent.
type agentControl struct {
	dirs     app.Dirs
	exe      string
	mu       sync.Mutex
	startErr error
}

func (a *agentControl) Running() (ui.AgentState, bool) {
	st, ok := agent.ReadState(a.dirs)
	return ui.AgentState{Links: st.Addr, API: st.PicGo, APIErr: st.PicGoErr}, ok
}

// Start starts the agent if none runs, remembering why it could not.
func (a *agentControl) Start(c app.Config) error {
	_, err := agent.Ensure(context.Background(), a.dirs, a.exe, c)
	a.mu.Lock()
	a.startErr = err
	a.mu.Unlock()
	return err
}

func (a *agentControl) StartError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.startErr
}

func (a *agentControl) Stop() error {
	_, err := agent.Stop(context.Background(), a.dirs)
	return err
}
