//go:build linux || freebsd || openbsd || netbsd

package storage

import "testing"

// TestNoSessionBus: no address, "autolaunch:" (which would start a
// daemon) and NoBusAddress are no bus; an address, or a socket in
// $XDG_RUNTIME_DIR, is one.
func TestNoSessionBus(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	empty := t.TempDir()
	for _, c := range []struct {
		env  func(string) string
		want bool
	}{
		{env(), true},
		{env("XDG_RUNTIME_DIR", empty), true},
		{env("DBUS_SESSION_BUS_ADDRESS", "autolaunch:"), true},
		{env("DBUS_SESSION_BUS_ADDRESS", NoBusAddress), true},
		{env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/0/bus"), false},
	} {
		if got := NoSessionBus(c.env); got != c.want {
			t.Errorf("%q %q: NoSessionBus %v", c.env("DBUS_SESSION_BUS_ADDRESS"), c.env("XDG_RUNTIME_DIR"), got)
		}
	}
}
