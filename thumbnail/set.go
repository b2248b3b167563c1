package thumbnail

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"slices"

	"github.com/gen2brain/webp"

	"github.com/thumbdrop/thumbdrop/thumbnail/vp8enc"
)

// A set is everything a post needs of one picture: the thumbnail, copies
// at the widths of a srcset, and WebP twins of each, all from one decode.
// The original is decoded once, at the reduced scale the largest copy
// needs (a JPEG straight from the DCT), and each copy is made from the one
// above it, largest first: every resize is a short step.

// Piece is one object of a set.
type Piece struct {
	Width int // the copy's nominal width (Options.Widths); 0 for the thumbnail
	WebP  bool
	*Result
}

// DefaultWebPQuality: libwebp's quality for twins. At 80 a WebP twin of a
// photo is about half the bytes of the JPEG copy (TestWebPQualityPerByte).
const DefaultWebPQuality = 80

// MaxWidths bounds how many extra widths a set has.
const MaxWidths = 8

// target is one size of a set, in display pixels.
type target struct {
	width int // nominal width: 0 for the thumbnail
	w, h  int
}

// plan lists the sizes of info's set, the thumbnail first then each width
// the picture exceeds in ascending order, and the size (stored axes) to
// decode at: enough for the largest.
func plan(info Info, opt Options) (targets []target, decodeW, decodeH int) {
	dw, dh := info.DisplaySize()
	tw, th := fitSize(dw, dh, opt.MaxSize)
	targets = []target{{0, tw, th}}
	widths := slices.Clone(opt.Widths)
	slices.Sort(widths)
	for _, w := range slices.Compact(widths) {
		if w > tw && w < dw {
			targets = append(targets, target{w, w, max(1, (dh*w+dw/2)/dw)})
		}
	}
	largest := targets[len(targets)-1]
	decodeW, decodeH = largest.w, largest.h
	if info.Orientation.swapsAxes() {
		decodeW, decodeH = decodeH, decodeW
	}
	if len(targets) > 1 && info.Format != JPEG && info.Format != HEIF && info.Format != AVIF {
		// decode keeps at least twice the size it is given (room for a
		// clean shrink to a thumbnail) but for JPEG's box-filtered scaled
		// decode and HEIF's thumbnail items (taken only when as large as
		// the largest size); a copy needs only its own size.
		half := func(v int) int { return max(1, (v+1)/2) }
		decodeW, decodeH = half(decodeW), half(decodeH)
	}
	return targets, decodeW, decodeH
}

// render decodes the image once and makes every size of its set, largest
// first, each from the one above, oriented for display.
func render(data []byte, info Info, l layout, opt Options) (targets []target, made []*image.NRGBA, src image.Image, err error) {
	targets, decodeW, decodeH := plan(info, opt)
	if src, err = decode(info, l, data, decodeW, decodeH, opt); err != nil {
		return nil, nil, nil, err
	}
	made = make([]*image.NRGBA, len(targets))
	from := src
	for i := len(targets) - 1; i >= 0; i-- {
		w, h := targets[i].w, targets[i].h
		if info.Orientation.swapsAxes() {
			w, h = h, w
		}
		m := scale(from, w, h)
		from, made[i] = m, m
	}
	for i, m := range made {
		made[i] = orient(m, info.Orientation)
	}
	return targets, made, src, nil
}

// MakeSet makes the thumbnail of an encoded image and the copies opt asks
// for: the thumbnail first, then each width the picture exceeds
// (ascending), each followed by its WebP twin when opt.WebP is set.
func MakeSet(data []byte, opt Options) ([]Piece, error) {
	opt = opt.withDefaults()
	if len(opt.Widths) > MaxWidths {
		return nil, fmt.Errorf("%d extra widths asked for; at most %d can be made", len(opt.Widths), MaxWidths)
	}
	info, err := Inspect(data, opt)
	if err != nil {
		return nil, err
	}
	l := readLayout(info.Format, data)
	if err := checkMemory(info, l, len(data), opt); err != nil {
		return nil, err
	}
	targets, made, src, err := render(data, info, l, opt)
	if err != nil {
		return nil, err
	}
	dw, dh := info.DisplaySize()
	// Largest first, each size let go once encoded; listed smallest first.
	var pieces []Piece
	for i := len(targets) - 1; i >= 0; i-- {
		t, m := targets[i], made[i]
		made[i] = nil
		res := &Result{SrcFormat: info.Format, SrcWidth: dw, SrcHeight: dh, Width: m.Rect.Dx(), Height: m.Rect.Dy()}
		if res.Data, res.Format, err = encode(m, info.Format, src, opt); err != nil {
			return nil, encodeError(t, err)
		}
		res.ContentType = res.Format.ContentType()
		// WebP frames end at 16383 pixels a side: a taller copy (a long
		// screenshot) has no twin, the rest of the set does. A twin is an
		// extra: one that cannot be encoded is left out, not the set.
		if opt.WebP && m.Rect.Dx() <= vp8enc.MaxSide && m.Rect.Dy() <= vp8enc.MaxSide {
			twin := *res
			if twin.Data, err = encodeWebP(m, opt.WebPQuality); err == nil {
				twin.Format, twin.ContentType = WebP, WebP.ContentType()
				pieces = append(pieces, Piece{Width: t.width, WebP: true, Result: &twin})
			}
		}
		pieces = append(pieces, Piece{Width: t.width, Result: res})
	}
	slices.Reverse(pieces)
	return pieces, nil
}

// encodeError is a failure to encode one piece: permanent (the same
// picture would fail the same way), naming the piece.
func encodeError(t target, err error) error {
	what := "the thumbnail"
	if t.width > 0 {
		what = fmt.Sprintf("the %d px copy", t.width)
	}
	return newError(KindCorrupt, err, "cannot encode %s (%dx%d)", what, t.w, t.h)
}

// encodeWebP encodes a WebP twin. Opaque pictures (photos: nearly all)
// go through vp8enc, pure Go; transparent ones through libwebp
// (gen2brain/webp: WebAssembly under wazero, compiled the first time one
// comes), whose lossless alpha plane vp8enc does not write.
func encodeWebP(m *image.NRGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	err := vp8enc.Encode(&buf, m, quality)
	if errors.Is(err, vp8enc.ErrNotOpaque) {
		buf.Reset()
		err = encodeWebPMethod(&buf, m, quality, webpMethod)
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// webpMethod is libwebp's speed/size trade-off (0 fastest, 6 smallest); 4
// is its default, and sharp's.
const webpMethod = 4

func encodeWebPMethod(w *bytes.Buffer, m *image.NRGBA, quality, method int) error {
	return webp.Encode(w, m, webp.Options{Quality: quality, Method: method})
}
