package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// ErrNoThumbnail: no thumbnail appeared in time.
var ErrNoThumbnail = errors.New("no thumbnail appeared")

// RefusedError: the resize function will never make this thumbnail, and
// said why in its note (<thumb key>.refused).
type RefusedError struct {
	Kind, Reason string
}

func (e *RefusedError) Error() string { return "no thumbnail: " + e.Reason }

// WaitThumb polls HEAD on thumbKey with growing intervals (0.1 s up to
// 2 s) until it exists, the resize function's refusal note appears, or
// timeout passes. On timeout it says plainly that no resize function seems
// to be deployed.
func WaitThumb(ctx context.Context, b Bucket, thumbKey string, timeout time.Duration) (storage.ObjectInfo, error) {
	deadline := time.Now().Add(timeout)
	interval := 100 * time.Millisecond
	for {
		info, err := b.Head(ctx, thumbKey)
		if err == nil {
			return info, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return storage.ObjectInfo{}, err // 403 and the like: explained by storage
		}
		if r, ok := refusal(ctx, b, thumbKey); ok {
			return storage.ObjectInfo{}, r
		}
		left := time.Until(deadline)
		if left <= 0 {
			return storage.ObjectInfo{}, fmt.Errorf("%w within %s: no resize function seems to be deployed for this bucket "+
				"(see deploy/README.md); the original's link works", ErrNoThumbnail, timeout)
		}
		select {
		case <-ctx.Done():
			return storage.ObjectInfo{}, ctx.Err()
		case <-time.After(min(interval, left)):
		}
		interval = min(interval*3/2, 2*time.Second)
	}
}

// testPNG is a small opaque image for connection tests.
func testPNG() []byte {
	m := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = 0x33, 0x99, 0xcc, 0xff
	}
	m.Set(0, 0, color.White)
	var buf bytes.Buffer
	png.Encode(&buf, m)
	return buf.Bytes()
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// refusal reads the resize function's refusal note beside thumbKey, if
// there is one.
func refusal(ctx context.Context, b Bucket, thumbKey string) (*RefusedError, bool) {
	body, _, err := b.Get(ctx, thumbKey+RefusedSuffix)
	if err != nil {
		return nil, false
	}
	defer body.Close()
	var r resize.Refusal
	if err := json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&r); err != nil || r.Reason == "" {
		return &RefusedError{Kind: "unknown", Reason: "the resize function refused the picture"}, true
	}
	return &RefusedError{Kind: r.Kind, Reason: r.Reason}, true
}
