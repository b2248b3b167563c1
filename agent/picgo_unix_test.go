//go:build !windows && !darwin

package agent

import (
	"net/http"
	"strings"
	"testing"
)

// TestPicGoClipboardWithoutDisplay: an editor's clipboard upload to an
// agent started with no display says that the agent lacks one and how to
// restart it, with 503 (the agent, not the request, is at fault).
func TestPicGoClipboardWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	e := start(t)
	code, a := picgoPost(t, e, strings.NewReader("{}"), "Content-Type", "application/json")
	if code != http.StatusServiceUnavailable || a.Success || !strings.Contains(a.Message, "started without a display") || !strings.Contains(a.Message, "serve --stop") {
		t.Errorf("%d %+v", code, a)
	}
}
