package app

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/atomicfile"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// previews fetches small images for the gallery and the detail pane: the
// thumbnail object, or where there is none the original scaled down by the
// thumbnail pipeline. Encoded previews are cached on disk; decoded ones in
// a small LRU (160: a few screenfuls of the grid), so 10,000 history
// entries never sit in memory at once.
type previews struct {
	dir      string
	decoders string // thumbnail.Options.DecoderCache
	maxBytes int64
	timeout  time.Duration
	sem      chan struct{}
	inflight sync.WaitGroup

	mu     sync.Mutex
	closed bool
	lru    *list.List
	items  map[string]*list.Element
	cap    int
}

type lruItem struct {
	key string
	img image.Image
}

// newPreviews caches under dir; decoders is the decoders' cache.
func newPreviews(dir, decoders string) *previews {
	return &previews{dir: dir, decoders: decoders, maxBytes: thumbnail.DefaultMaxBytes, timeout: 20 * time.Second, sem: make(chan struct{}, 4),
		lru: list.New(), items: map[string]*list.Element{}, cap: 160}
}

// cached returns a decoded preview already in memory.
func (p *previews) cached(r Record, original bool) (image.Image, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.items[cacheKey(r, original)]; ok {
		p.lru.MoveToFront(e)
		return e.Value.(*lruItem).img, true
	}
	return nil, false
}

var errPreviewsClosed = &Error{Kind: KindShuttingDown}

// begin registers a load unless Close has begun.
func (p *previews) begin() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.inflight.Add(1)
	return true
}

// close refuses new loads and waits for running ones, so nothing writes
// into the cache afterwards.
func (p *previews) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.inflight.Wait()
}

func cacheKey(r Record, original bool) string {
	link := ""
	if _, ok := Imported(r); ok { // an item edited in its app has a new link, and a new preview
		link = "\x00" + r.URL + "\x00" + r.ThumbURL
	}
	h := sha256.Sum256([]byte(r.Target + "\x00" + r.Key + fmt.Sprint(original) + link))
	return hex.EncodeToString(h[:16])
}

// load returns a preview of r: its thumbnail (original=false) or a 400 px
// rendering of the original (original=true). It runs at most four fetches
// at once and gives up after a timeout.
func (p *previews) load(ctx context.Context, b Bucket, r Record, original bool) (image.Image, error) {
	if img, ok := p.cached(r, original); ok {
		return img, nil
	}
	if !p.begin() {
		return nil, errPreviewsClosed
	}
	defer p.inflight.Done()
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.sem }()
	k := cacheKey(r, original)
	path := filepath.Join(p.dir, k)
	data, err := os.ReadFile(path)
	if err != nil {
		data, err = p.fetch(ctx, b, r, original)
		if err != nil {
			return nil, err
		}
		os.MkdirAll(p.dir, 0o700)
		atomicfile.WriteFile(path, data, 0o600)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		os.Remove(path)
		return nil, &Error{Kind: KindPreview, File: r.Name(), Err: &Error{Kind: KindImageCorrupt, Value: err.Error()}}
	}
	p.mu.Lock()
	p.items[k] = p.lru.PushFront(&lruItem{k, img})
	for p.lru.Len() > p.cap {
		old := p.lru.Remove(p.lru.Back()).(*lruItem)
		delete(p.items, old.key)
	}
	p.mu.Unlock()
	return img, nil
}

// fetch gets encoded preview bytes: the thumbnail object if it exists (and
// the original was not asked for), else a thumbnail made here from the
// original.
func (p *previews) fetch(ctx context.Context, b Bucket, r Record, original bool) ([]byte, error) {
	if _, ok := Imported(r); ok { // not in the bucket: from its link
		return p.fetchWeb(ctx, r, original)
	}
	if !original && r.ThumbKey != "" {
		body, info, err := b.Get(ctx, r.ThumbKey)
		if err == nil {
			defer body.Close()
			if info.Size > 5<<20 {
				return nil, &Error{Kind: KindPreviewLarge, File: r.Name(), Value: HumanSize(info.Size)}
			}
			return io.ReadAll(io.LimitReader(body, 5<<20))
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	body, info, err := b.Get(ctx, r.Key)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	if info.Size > p.maxBytes {
		return nil, &Error{Kind: KindPreviewLarge, File: r.Name(), Value: HumanSize(info.Size)}
	}
	size := 200
	if original {
		size = 400
	}
	res, err := thumbnail.Read(body, thumbnail.Options{MaxSize: size, MaxBytes: p.maxBytes, DecoderCache: p.decoders})
	if err != nil {
		return nil, &Error{Kind: KindPreview, File: r.Name(), Err: imageCause(err)}
	}
	return res.Data, nil
}

// Preview returns a small image of a past upload for the gallery
// (original=false: its thumbnail) or the detail pane (original=true: a
// larger rendering of the original). It fetches off the caller's thread's
// time: call it from a goroutine.
func (c *Core) Preview(ctx context.Context, r Record, original bool) (image.Image, error) {
	if _, ok := Imported(r); ok {
		return c.previewWeb(ctx, r, original)
	}
	s, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	p := c.prev
	c.mu.Unlock()
	if p == nil {
		return nil, errPreviewsClosed
	}
	if r.Target != "" && r.Target != s.id {
		return nil, &Error{Kind: KindOtherBucket, File: r.Name()}
	}
	return p.load(ctx, s.b, r, original)
}

// CachedPreview returns a preview already in memory, without I/O: the UI
// thread may call it.
func (c *Core) CachedPreview(r Record, original bool) (image.Image, bool) {
	c.mu.Lock()
	p := c.prev
	c.mu.Unlock()
	if p == nil {
		return nil, false
	}
	return p.cached(r, original)
}
