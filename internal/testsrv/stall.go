package testsrv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
)

// StallProxy serves target's S3 API on a loopback address of its own, as
// QuirkProxy does, and plays a server that stops answering once it has
// read a request: the first request hold matches is handed to the server
// whole (so what it asks is done: an object is stored), and its answer,
// like that of every later request hold matches, never comes; the proxy
// lets go when the client gives up. What a real server paused with
// SIGSTOP does to the requests queued in its sockets when it comes back,
// without the race of whether it reads them.
func StallProxy(t testing.TB, target string, hold func(*http.Request) bool) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var served atomic.Bool
	done := make(chan struct{})
	proxy := hostKeepingProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hold(r) {
			proxy.ServeHTTP(w, r)
			return
		}
		// The whole body is read first: then the server notices the
		// client hanging up, and the request's context ends.
		body, err := io.ReadAll(r.Body)
		if err == nil && served.CompareAndSwap(false, true) {
			out := r.Clone(context.WithoutCancel(r.Context()))
			out.URL.Scheme, out.URL.Host, out.RequestURI = u.Scheme, u.Host, ""
			out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			if resp, err := http.DefaultTransport.RoundTrip(out); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			} else {
				t.Errorf("stall proxy: the held request did not reach the server: %v", err)
			}
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // first: no held request outlives the test
	return srv.URL
}
