package main

import (
	"bytes"
	"log"
	"strings"
	"testing"
)

// TestFyneErrors: Fyne's errors reach stderr with their cause; other
// libraries' log lines do not; with no session bus on purpose, Fyne's
// errors of reaching one do not either.
func TestFyneErrors(t *testing.T) {
	lines := func(noBus bool) string {
		var b bytes.Buffer
		l := log.New(&fyneErrors{w: &b, noBus: noBus}, "", 0)
		l.Print("Fyne error:  failed to watch theme settings")
		l.Print("  Cause: dbus: invalid bus address")
		l.Print("  At: app_xdg.go:152")
		l.Print("some library chatter")
		l.Print("Fyne error:  window creation error")
		l.Print("  Cause: GLFW not initialised")
		return b.String()
	}
	if got := lines(false); !strings.Contains(got, "theme settings") || !strings.Contains(got, "dbus: invalid") || !strings.Contains(got, "GLFW") || strings.Contains(got, "chatter") {
		t.Errorf("with a bus:\n%s", got)
	}
	if got := lines(true); strings.Contains(got, "theme settings") || strings.Contains(got, "dbus:") || !strings.Contains(got, "GLFW not initialised") {
		t.Errorf("with no bus:\n%s", got)
	}
}
