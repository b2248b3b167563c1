package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// waitThumb polls HEAD on thumbKey with growing intervals (0.1 s up to
// 2 s) until it exists, the resize function's refusal note appears (an
// *Error of an image kind), or timeout passes (KindNoFunction). It asks
// the bucket's API, never a CDN in front of it, which would cache a
// "not there yet" answer.
func waitThumb(ctx context.Context, b Bucket, thumbKey string, timeout time.Duration) (storage.ObjectInfo, error) {
	deadline := time.Now().Add(timeout)
	interval := 100 * time.Millisecond
	for {
		info, err := b.Head(ctx, thumbKey)
		if err == nil {
			return info, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return storage.ObjectInfo{}, err // 403 and the like: explained by their kind
		}
		if r, ok := refusal(ctx, b, thumbKey); ok {
			return storage.ObjectInfo{}, r
		}
		left := time.Until(deadline)
		if left <= 0 {
			return storage.ObjectInfo{}, &Error{Kind: KindNoFunction, Value: Duration(timeout).String()}
		}
		select {
		case <-ctx.Done():
			return storage.ObjectInfo{}, ctx.Err()
		case <-time.After(min(interval, left)):
		}
		interval = min(interval*3/2, 2*time.Second)
	}
}

// isRefusal reports whether err is the resize function's refusal.
func isRefusal(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, k := range imageKinds {
		if e.Kind == k || e.Kind == limitKinds[k] {
			return true
		}
	}
	return e.Kind == KindImageRefused
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
func refusal(ctx context.Context, b Bucket, thumbKey string) (*Error, bool) {
	body, _, err := b.Get(ctx, thumbKey+RefusedSuffix)
	if err != nil {
		return nil, false
	}
	defer body.Close()
	var r resize.Refusal
	if err := json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&r); err != nil || r.Reason == "" {
		return &Error{Kind: KindImageRefused}, true
	}
	return refusalError(r.Kind, r.Reason, r.Limit, r.Actual), true
}
