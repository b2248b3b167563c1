// Package apptest provides an in-memory bucket for fast tests of the core
// and its front ends (go test -short): no server, no disk.
package apptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// Bucket is an in-memory bucket with hooks to script failures and a
// stand-in resize function.
type Bucket struct {
	name string

	mu   sync.Mutex
	objs map[string]object
	// puts counts successful uploads.
	puts int

	// BeforeUpload, if set, runs before each upload; an error fails it
	// (return a transient one to exercise retries, or block on ctx to
	// exercise cancel).
	BeforeUpload func(ctx context.Context, key string) error
	// Thumbs, if set, stands in for the resize function: after each upload
	// under From, the same bytes appear under To (after Delay, if any).
	Thumbs *Thumbs
}

// Thumbs configures the stand-in resize function.
type Thumbs struct {
	From, To string
	Delay    time.Duration
}

type object struct {
	data []byte
	info storage.ObjectInfo
}

// New returns an empty bucket; with thumbs, a stand-in resize function
// copies original/ to thumb/.
func New(name string, thumbs bool) *Bucket {
	b := &Bucket{name: name, objs: map[string]object{}}
	if thumbs {
		b.Thumbs = &Thumbs{From: resize.DefaultOriginalPrefix, To: resize.DefaultThumbPrefix}
	}
	return b
}

// Upload stores body under key, or fails with storage.ErrExists.
func (b *Bucket) Upload(ctx context.Context, key string, body io.ReadSeeker, size int64, opt storage.PutOptions) error {
	if b.BeforeUpload != nil {
		if err := b.BeforeUpload(ctx, key); err != nil {
			return &storage.OpError{Op: "upload", Bucket: b.name, Key: key, Err: err}
		}
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := body.Read(chunk)
		buf.Write(chunk[:n])
		if opt.Progress != nil && n > 0 {
			opt.Progress(int64(buf.Len()))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	b.mu.Lock()
	if _, ok := b.objs[key]; ok {
		b.mu.Unlock()
		return &storage.OpError{Op: "upload", Bucket: b.name, Key: key, Kind: storage.ErrExists, Err: storage.ErrExists}
	}
	b.objs[key] = object{data: buf.Bytes(), info: storage.ObjectInfo{Key: key, Size: int64(buf.Len()),
		ContentType: opt.ContentType, CacheControl: opt.CacheControl, Metadata: opt.Metadata, Modified: time.Now()}}
	b.puts++
	th := b.Thumbs
	b.mu.Unlock()
	if th != nil {
		if rest, ok := strings.CutPrefix(key, th.From); ok {
			put := func() { b.Put(th.To+rest, buf.Bytes(), opt.ContentType) }
			if th.Delay > 0 {
				time.AfterFunc(th.Delay, put)
			} else {
				put()
			}
		}
	}
	return nil
}

// Put writes an object directly (replacing), as a resize function would.
func (b *Bucket) Put(key string, data []byte, contentType string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objs[key] = object{data: data, info: storage.ObjectInfo{Key: key, Size: int64(len(data)), ContentType: contentType, Modified: time.Now()}}
}

func (b *Bucket) notFound(op, key string) error {
	return &storage.OpError{Op: op, Bucket: b.name, Key: key, Kind: storage.ErrNotFound, Err: storage.ErrNotFound}
}

// Head returns an object's metadata.
func (b *Bucket) Head(ctx context.Context, key string) (storage.ObjectInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objs[key]
	if !ok {
		return storage.ObjectInfo{}, b.notFound("head", key)
	}
	return o.info, nil
}

// Get opens an object.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objs[key]
	if !ok {
		return nil, storage.ObjectInfo{}, b.notFound("get", key)
	}
	return io.NopCloser(bytes.NewReader(o.data)), o.info, nil
}

// Delete removes objects.
func (b *Bucket) Delete(ctx context.Context, keys ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		delete(b.objs, k)
	}
	return nil
}

// URL is mem://<bucket>/<key>.
func (b *Bucket) URL(key string) string { return "mem://" + b.name + "/" + storage.EscapeKey(key) }

// LinkBases is where its links begin.
func (b *Bucket) LinkBases() []string { return []string{"mem://" + b.name + "/"} }

// Presign returns the URL with a fake signature naming ttl.
func (b *Bucket) Presign(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return fmt.Sprintf("%s?expires=%d", b.URL(key), int(ttl.Seconds())), nil
}

// Check always succeeds.
func (b *Bucket) Check(ctx context.Context) error { return nil }

// Name is the bucket's name.
func (b *Bucket) Name() string { return b.name }

// Keys lists the stored keys, sorted.
func (b *Bucket) Keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.objs))
	for k := range b.objs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Uploads is how many uploads succeeded.
func (b *Bucket) Uploads() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.puts
}
