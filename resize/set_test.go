package resize

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/image/webp"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// photo is a 1200x800 JPEG with detail everywhere.
func photo(t *testing.T) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, 1200, 800))
	for y := 0; y < 800; y++ {
		for x := 0; x < 1200; x++ {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSet: with extra widths and WebP, every copy exists under
// thumb/<width>w/ with its twin, at the right size, format and
// Content-Type, with no enlargement; the thumbnail lists them.
func TestSet(t *testing.T) {
	c, sent := fakeS3(t)
	h := handler(c)
	h.Config.Thumbnail.Widths = []int{640, 1000, 2000}
	h.Config.Thumbnail.WebP = true
	put(t, c, "original/1_p.jpg", photo(t))
	if _, err := h.Resize(context.Background(), bucket, "original/1_p.jpg"); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key, ct string
		w, h    int
	}{
		{"thumb/1_p.jpg", "image/jpeg", 200, 133},
		{"thumb/1_p.jpg.webp", "image/webp", 200, 133},
		{"thumb/640w/1_p.jpg", "image/jpeg", 640, 427},
		{"thumb/640w/1_p.jpg.webp", "image/webp", 640, 427},
		{"thumb/1000w/1_p.jpg", "image/jpeg", 1000, 667},
		{"thumb/1000w/1_p.jpg.webp", "image/webp", 1000, 667},
	}
	for _, w := range want {
		out, data := get(t, c, w.key)
		if ct := aws.ToString(out.ContentType); ct != w.ct {
			t.Errorf("%s: Content-Type %q, want %q", w.key, ct, w.ct)
		}
		if cc, _ := sent.Load(w.key); cc != DefaultCacheControl {
			t.Errorf("%s: Cache-Control %q", w.key, cc)
		}
		var m image.Image
		var err error
		if w.ct == "image/webp" {
			m, err = webp.Decode(bytes.NewReader(data))
		} else {
			m, _, err = image.Decode(bytes.NewReader(data))
		}
		if err != nil {
			t.Fatalf("%s: %v", w.key, err)
		}
		if b := m.Bounds(); b.Dx() != w.w || b.Dy() != w.h {
			t.Errorf("%s: %dx%d, want %dx%d", w.key, b.Dx(), b.Dy(), w.w, w.h)
		}
	}
	if exists(c, "thumb/2000w/1_p.jpg") || exists(c, "thumb/2000w/1_p.jpg.webp") {
		t.Error("a 2000 px copy of a 1200 px photo was made")
	}
	out, _ := get(t, c, "thumb/1_p.jpg")
	md := out.Metadata
	if md[MetaVariants] != "640x427,1000x667" || md[MetaWebP] != "true" || md[MetaWidths] != "640,1000,2000" ||
		md[MetaMaxSize] != "200" || md[MetaWidth] != "200" || md[MetaHeight] != "133" {
		t.Errorf("thumbnail metadata %v", md)
	}
}

// orderStore records the order of writes.
type orderStore struct {
	Store
	mu   sync.Mutex
	keys []string
}

func (o *orderStore) Put(ctx context.Context, bucket, key string, obj Object) error {
	o.mu.Lock()
	o.keys = append(o.keys, key)
	o.mu.Unlock()
	return o.Store.Put(ctx, bucket, key, obj)
}

// TestSetThumbnailLast: the thumbnail, which clients wait for, is written
// after every copy.
func TestSetThumbnailLast(t *testing.T) {
	c, _ := fakeS3(t)
	st := &orderStore{Store: S3Store{Client: c}}
	h := &Handler{Store: st, Config: DefaultConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h.Config.Thumbnail.Widths = []int{400, 800}
	h.Config.Thumbnail.WebP = true
	put(t, c, "original/1_p.jpg", photo(t))
	if _, err := h.Resize(context.Background(), bucket, "original/1_p.jpg"); err != nil {
		t.Fatal(err)
	}
	if len(st.keys) != 6 || st.keys[len(st.keys)-1] != "thumb/1_p.jpg" {
		t.Fatalf("writes %v: want six, the thumbnail last", st.keys)
	}
}

// TestSetTooBigForCopies: when the copies need a larger decode than the
// function may hold, the thumbnail alone is still made.
func TestSetTooBigForCopies(t *testing.T) {
	c, _ := fakeS3(t)
	var logs bytes.Buffer
	h := handler(c)
	h.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.Config.Thumbnail.Widths = []int{1000}
	h.Config.Thumbnail.WebP = true
	// Enough for a 1/8-scale decode of 1200x800, not for the full one.
	h.Config.Thumbnail.MaxMemory = 1 << 20
	data := photo(t)
	if err := thumbnail.Check(bytes.NewReader(data), int64(len(data)), thumbnail.Options{MaxMemory: 1 << 20}); err != nil {
		t.Fatalf("the thumbnail alone should fit: %v", err)
	}
	put(t, c, "original/1_p.jpg", data)
	out, err := h.Resize(context.Background(), bucket, "original/1_p.jpg")
	if err != nil || out.Failed != nil {
		t.Fatalf("err %v, failed %v", err, out.Failed)
	}
	o, _ := get(t, c, "thumb/1_p.jpg")
	if o.Metadata[MetaVariants] != "" || o.Metadata[MetaWebP] != "false" || exists(c, "thumb/1000w/1_p.jpg") {
		t.Errorf("metadata %v", o.Metadata)
	}
	if !strings.Contains(logs.String(), "no copies") {
		t.Errorf("log does not say why: %s", logs.String())
	}
}

// TestSetTallCopyHasNoTwin: a copy taller than a WebP frame (16383 px)
// is written without its twin, and the thumbnail's metadata says so.
func TestSetTallCopyHasNoTwin(t *testing.T) {
	c, _ := fakeS3(t)
	h := handler(c)
	h.Config.Thumbnail.Widths = []int{100}
	h.Config.Thumbnail.WebP = true
	m := image.NewGray(image.Rect(0, 0, 110, 20000))
	for i := range m.Pix {
		m.Pix[i] = uint8(i / 7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	put(t, c, "original/1_long.jpg", buf.Bytes())
	out, err := h.Resize(context.Background(), bucket, "original/1_long.jpg")
	if err != nil || out.Failed != nil {
		t.Fatalf("err %v, failed %v", err, out.Failed)
	}
	o, _ := get(t, c, "thumb/1_long.jpg")
	if o.Metadata[MetaNoTwin] != "100" || o.Metadata[MetaWebP] != "true" {
		t.Errorf("metadata %v", o.Metadata)
	}
	if !exists(c, "thumb/100w/1_long.jpg") || exists(c, "thumb/100w/1_long.jpg.webp") || !exists(c, "thumb/1_long.jpg.webp") {
		t.Error("objects: want the copy, no twin of it, the thumbnail's twin")
	}
}

func TestParseWidths(t *testing.T) {
	for in, want := range map[string]string{"": "", "640,1280": "640,1280", "1280 640w,640": "640,1280"} {
		got, err := ParseWidths(in)
		if err != nil || joinInts(got) != want {
			t.Errorf("ParseWidths(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"big", "8", "640,20000", "1,2,3,4,5,6,7,8,9", "100,200,300,400,500,600,700,800,900"} {
		if _, err := ParseWidths(bad); err == nil {
			t.Errorf("ParseWidths(%q) accepted", bad)
		}
	}
}
