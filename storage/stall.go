package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultStallTimeout: a request whose bytes stop moving for this long is
// given up and retried. A stopped server otherwise holds an upload for as
// long as TCP keeps the connection (minutes), silently.
const DefaultStallTimeout = 30 * time.Second

// ErrStalled: the server stopped answering in the middle of a request.
var ErrStalled = errors.New("the storage server stopped answering")

// stallError is what a stalled request fails with: a connection error to
// the SDK's retryer, so the request is sent again.
type stallError struct {
	method, host string
	after        time.Duration
}

func (e *stallError) Error() string {
	return fmt.Sprintf("%s %s: no progress for %s", e.method, e.host, e.after)
}
func (e *stallError) Unwrap() error         { return ErrStalled }
func (e *stallError) ConnectionError() bool { return true }
func (e *stallError) Timeout() bool         { return true }
func (e *stallError) Temporary() bool       { return true }

// stallClient wraps the SDK's HTTP client (its transport untouched, as for
// progressClient) and cancels a request when nothing has moved for after:
// no request body byte read, no response yet, no response body byte read.
type stallClient struct {
	inner aws.HTTPClient
	after time.Duration
}

// watch cancels a request when its progress stops.
type watch struct {
	last   atomic.Int64 // unix nanoseconds of the last progress
	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   chan struct{}
	once   sync.Once
	err    *stallError
}

func (w *watch) touch() { w.last.Store(time.Now().UnixNano()) }

func (w *watch) done() { w.once.Do(func() { close(w.stop) }) }

func (w *watch) run(after time.Duration) {
	tick := time.NewTicker(max(after/8, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
			if time.Since(time.Unix(0, w.last.Load())) > after {
				// Told before the request fails, so the note never
				// lands on an upload that has already ended.
				retrying(w.ctx, w.err)
				w.cancel(w.err)
				return
			}
		}
	}
}

func (c stallClient) Do(req *http.Request) (*http.Response, error) {
	if c.after <= 0 {
		return c.inner.Do(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{ctx: ctx, cancel: cancel, stop: make(chan struct{}), err: &stallError{req.Method, req.URL.Host, c.after}}
	w.touch()
	go w.run(c.after)
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &watchedBody{ReadCloser: req.Body, w: w}
	}
	resp, err := c.inner.Do(req.WithContext(ctx))
	if err != nil {
		w.done()
		stalled := context.Cause(ctx) == error(w.err)
		cancel(nil)
		if stalled {
			return nil, w.err
		}
		return nil, err
	}
	w.touch()
	resp.Body = &watchedResponse{ReadCloser: resp.Body, w: w, cancel: cancel, ctx: ctx}
	return resp, nil
}

type watchedBody struct {
	io.ReadCloser
	w *watch
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.touch()
	}
	return n, err
}

// watchedResponse keeps watching while the body is read, and ends the
// watch (and the request's context) when it is closed.
type watchedResponse struct {
	io.ReadCloser
	w      *watch
	cancel context.CancelCauseFunc
	ctx    context.Context
}

func (b *watchedResponse) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.touch()
	}
	if err != nil && err != io.EOF && context.Cause(b.ctx) == error(b.w.err) {
		err = b.w.err
	}
	return n, err
}

func (b *watchedResponse) Close() error {
	b.w.done()
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}
