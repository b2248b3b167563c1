package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/resize"
)

// links serves local mode's objects read-only, from the core: GET and HEAD
// of /<bucket>/<key>, with the stored Content-Type, Range, ETag,
// conditional requests and Cache-Control (http.ServeContent). It accepts
// no write, no delete and no listing, and sends no CORS headers: a web
// page may show the images (that is what links are for) but can read or
// change nothing.
type links struct {
	core   *app.Core
	bucket string
	log    *slog.Logger
	pid    int
}

func (l *links) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Whatever a stored file holds, it never runs as a page of this origin.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	h.Set("Referrer-Policy", "no-referrer")
	if r.URL.Path == "/" { // the heartbeat: who this is, for a port found taken
		if id, err := json.Marshal(struct {
			PID  int    `json:"pid"`
			Data string `json:"data"`
		}{l.pid, l.core.Dirs().Data}); err == nil {
			h.Set(Header, string(id))
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "local links are read-only: thumbdrop's agent accepts GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || bucket != l.bucket || key == "" || strings.HasSuffix(key, "/") {
		http.Error(w, "no such object (the agent serves objects, never listings)", http.StatusNotFound)
		return
	}
	f, info, err := l.core.OpenLocalObject(key)
	if errors.Is(err, app.ErrNoSuchObject) {
		http.Error(w, "no such object", http.StatusNotFound)
		return
	}
	if err != nil {
		l.log.Warn("serve", "key", key, "err", err.Error())
		http.Error(w, "cannot read the object", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	h.Set("Content-Type", info.ContentType)
	cc := info.CacheControl
	if cc == "" {
		cc = resize.DefaultCacheControl // keys carry a timestamp: never rewritten
	}
	h.Set("Cache-Control", cc)
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, info.Size, info.Modified.UnixNano()))
	http.ServeContent(w, r, path.Base(key), info.Modified, f)
}

// hostOnly refuses requests whose Host header is not the listener's own
// loopback address, so a DNS name rebound to 127.0.0.1 by a web page
// reaches nothing.
func hostOnly(addr net.Addr, next http.Handler) http.Handler {
	_, port, _ := net.SplitHostPort(addr.String())
	allowed := map[string]bool{
		"127.0.0.1:" + port: true,
		"localhost:" + port: true,
		"[::1]:" + port:     true,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowed[strings.ToLower(r.Host)] {
			http.Error(w, "wrong Host: thumbdrop's agent answers only requests to 127.0.0.1:"+port, http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isAddrInUse: the port is taken (Unix says so in words, Windows as
// WSAEADDRINUSE's).
func isAddrInUse(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "address already in use") || strings.Contains(msg, "Only one usage of each socket address")
}
