package storage

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// progressKey carries an upload's tracker through the SDK to the HTTP layer.
type progressKey struct{}

// tracker adds up the request-body bytes the transport has read for each
// part of one upload. A part that is sent again (an SDK retry) starts from
// zero, so the total never counts a byte twice.
type tracker struct {
	mu    sync.Mutex
	parts map[string]*atomic.Int64
	total atomic.Int64
	fnMu  sync.Mutex // callers get one call at a time, parts run in parallel
	fn    func(int64)
	retry func(error)
}

func (t *tracker) report(n int64) {
	t.fnMu.Lock()
	t.fn(n)
	t.fnMu.Unlock()
}

func withTracker(ctx context.Context, opt PutOptions) context.Context {
	if opt.Progress == nil && opt.Retrying == nil {
		return ctx
	}
	fn := opt.Progress
	if fn == nil {
		fn = func(int64) {}
	}
	return context.WithValue(ctx, progressKey{}, &tracker{parts: map[string]*atomic.Int64{}, fn: fn, retry: opt.Retrying})
}

// retrying tells the upload's owner a request is being sent again.
func retrying(ctx context.Context, why error) {
	if t, ok := ctx.Value(progressKey{}).(*tracker); ok && t.retry != nil {
		t.fnMu.Lock()
		t.retry(why)
		t.fnMu.Unlock()
	}
}

func (t *tracker) body(part string, rc io.ReadCloser) io.ReadCloser {
	if cb, ok := rc.(*countingBody); ok { // the same request sent again
		rc = cb.ReadCloser
	}
	t.mu.Lock()
	c, ok := t.parts[part]
	if !ok {
		c = new(atomic.Int64)
		t.parts[part] = c
	}
	t.mu.Unlock()
	if old := c.Swap(0); old != 0 {
		t.report(t.total.Add(-old))
	}
	return &countingBody{ReadCloser: rc, part: c, t: t}
}

type countingBody struct {
	io.ReadCloser
	part *atomic.Int64
	t    *tracker
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.part.Add(int64(n))
		b.t.report(b.t.total.Add(int64(n)))
	}
	return n, err
}

// progressClient wraps the SDK's own HTTP client (so its transport, with
// AWS_CA_BUNDLE and proxy settings applied, stays an *http.Transport) and
// counts the body bytes of requests that carry a tracker: byte-accurate
// progress for single PUTs and for every part of a multipart upload.
type progressClient struct {
	inner aws.HTTPClient
}

func (c progressClient) Do(req *http.Request) (*http.Response, error) {
	if t, ok := req.Context().Value(progressKey{}).(*tracker); ok && req.Body != nil && req.Body != http.NoBody && req.Method == http.MethodPut {
		req.Body = t.body(req.URL.Query().Get("partNumber"), req.Body)
	}
	return c.inner.Do(req)
}
