package vp8enc

import (
	"bytes"
	"image"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	gwebp "github.com/gen2brain/webp"
	"golang.org/x/image/vp8"
)

// picture makes a w x h test picture: gradients, edges and noise, so that
// every prediction mode and token category gets used.
func picture(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var c color.NRGBA
			switch {
			case x < w/3:
				c = color.NRGBA{uint8(x * 255 / max(w, 1)), uint8(y * 255 / max(h, 1)), 128, 255}
			case x < 2*w/3:
				if (x/3+y/5)%2 == 0 {
					c = color.NRGBA{240, 20, 30, 255}
				} else {
					c = color.NRGBA{10, 200, 250, 255}
				}
			default:
				c = color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// reconstruct encodes m with the loop filter off and returns the file
// and the encoder's own reconstruction, cropped to the picture.
func reconstruct(t *testing.T, m *image.NRGBA, quality int) ([]byte, *encoder) {
	t.Helper()
	var buf bytes.Buffer
	e := newEncoder(m, quality)
	e.filterLevel = 0
	e.encodeFrame()
	frame := e.frame()
	buf.WriteString("RIFF")
	pad := len(frame) & 1
	n := uint32(4 + 8 + len(frame) + pad)
	buf.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
	buf.WriteString("WEBPVP8 ")
	n = uint32(len(frame))
	buf.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
	buf.Write(frame)
	if pad == 1 {
		buf.WriteByte(0)
	}
	return buf.Bytes(), e
}

// samePlanes compares the encoder's reconstruction with a decoder's
// planes, inside the picture.
func samePlanes(t *testing.T, who string, e *encoder, y, cb, cr []byte, yStride, cStride int) {
	t.Helper()
	bad := 0
	for row := 0; row < e.height; row++ {
		for col := 0; col < e.width; col++ {
			if a, b := e.rec.y[row*e.rec.yStride+col], y[row*yStride+col]; a != b {
				if bad++; bad <= 5 {
					t.Errorf("%s: Y(%d,%d) = %d, the encoder predicted from %d (macroblock %d,%d)", who, col, row, b, a, col/16, row/16)
				}
			}
		}
	}
	for row := 0; row < (e.height+1)/2; row++ {
		for col := 0; col < (e.width+1)/2; col++ {
			for _, p := range []struct {
				name string
				a, b []byte
			}{{"U", e.rec.u, cb}, {"V", e.rec.v, cr}} {
				if a, b := p.a[row*e.rec.uvStr+col], p.b[row*cStride+col]; a != b {
					if bad++; bad <= 5 {
						t.Errorf("%s: %s(%d,%d) = %d, the encoder predicted from %d", who, p.name, col, row, b, a)
					}
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d samples differ", who, bad)
	}
}

// TestDecodersSeeWhatTheEncoderPredictedFrom: with the loop filter off,
// two independent decoders (golang.org/x/image/vp8 and libwebp) rebuild
// exactly the pixels the encoder reconstructed and predicted from, at
// sizes that are and are not whole macroblocks, at several qualities.
func TestDecodersSeeWhatTheEncoderPredictedFrom(t *testing.T) {
	sizes := [][2]int{{1, 1}, {16, 16}, {17, 9}, {33, 47}, {64, 48}, {100, 75}, {255, 3}}
	for _, q := range []int{5, 50, 80, 100} {
		for i, s := range sizes {
			m := picture(s[0], s[1], uint64(i))
			data, e := reconstruct(t, m, q)
			// Go's decoder, straight from the VP8 frame.
			d := vp8.NewDecoder()
			d.Init(bytes.NewReader(data[20:]), len(data)-20)
			if _, err := d.DecodeFrameHeader(); err != nil {
				t.Fatalf("%dx%d q%d: %v", s[0], s[1], q, err)
			}
			img, err := d.DecodeFrame()
			if err != nil {
				t.Fatalf("%dx%d q%d: x/image/vp8: %v", s[0], s[1], q, err)
			}
			samePlanes(t, "x/image/vp8", e, img.Y, img.Cb, img.Cr, img.YStride, img.CStride)
			// libwebp (in WebAssembly), through the WebP container.
			got, err := gwebp.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%dx%d q%d: libwebp: %v", s[0], s[1], q, err)
			}
			yc := ycbcrOf(t, got)
			if yc.Bounds() != m.Bounds() {
				t.Fatalf("libwebp decoded %v", got.Bounds())
			}
			samePlanes(t, "libwebp", e, yc.Y, yc.Cb, yc.Cr, yc.YStride, yc.CStride)
			if p := lumaPSNR(e, yc); p < minPSNR(q) {
				t.Errorf("%dx%d q%d: luma PSNR %.1f dB", s[0], s[1], q, p)
			} else {
				t.Logf("%dx%d q%d: luma PSNR %.1f dB, %d bytes", s[0], s[1], q, p, len(data))
			}
		}
	}
}

func minPSNR(q int) float64 {
	switch {
	case q >= 100:
		return 45
	case q >= 80:
		return 30
	}
	return 15
}

// lumaPSNR compares the luma the encoder was given with a decoder's.
func lumaPSNR(e *encoder, d *image.YCbCr) float64 {
	var se float64
	for y := 0; y < e.height; y++ {
		for x := 0; x < e.width; x++ {
			v := float64(e.src.y[y*e.src.yStride+x]) - float64(d.Y[y*d.YStride+x])
			se += v * v
		}
	}
	if se == 0 {
		return 99
	}
	return 10 * math.Log10(255*255*float64(e.width*e.height)/se)
}

// rgb converts VP8's limited-range BT.601 to RGB.
func rgb(y, cb, cr uint8) [3]float64 {
	l := 1.164 * (float64(y) - 16)
	u, v := float64(cb)-128, float64(cr)-128
	c := func(f float64) float64 { return math.Min(math.Max(math.Round(f), 0), 255) }
	return [3]float64{c(l + 1.596*v), c(l - 0.392*u - 0.813*v), c(l + 2.017*u)}
}

func psnr(a *image.NRGBA, b *image.YCbCr) float64 {
	var se float64
	n := 0
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			p := a.NRGBAAt(x, y)
			c := b.YCbCrAt(x, y)
			for i, v := range rgb(c.Y, c.Cb, c.Cr) {
				d := float64([]uint8{p.R, p.G, p.B}[i]) - v
				se += d * d
				n++
			}
		}
	}
	if se == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// TestRefusals: what VP8 cannot carry is refused with a typed error.
func TestRefusals(t *testing.T) {
	m := picture(8, 8, 1)
	m.Pix[3] = 0
	if err := Encode(io.Discard, m, 80); err != ErrNotOpaque {
		t.Errorf("transparent: %v", err)
	}
	if err := Encode(io.Discard, image.NewNRGBA(image.Rect(0, 0, 16384, 1)), 80); err != ErrTooLarge {
		t.Errorf("16384 wide: %v", err)
	}
	if err := Encode(io.Discard, image.NewNRGBA(image.Rect(0, 0, 0, 0)), 80); err != ErrEmpty {
		t.Errorf("empty: %v", err)
	}
}

// TestQualityOrders: higher quality, more bytes and less error.
func TestQualityOrders(t *testing.T) {
	m := picture(96, 64, 7)
	prevSize, prevPSNR := 0, 0.0
	for _, q := range []int{10, 40, 70, 90} {
		data, e := reconstruct(t, m, q)
		d, err := gwebp.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		p := lumaPSNR(e, ycbcrOf(t, d))
		if len(data) <= prevSize || p <= prevPSNR {
			t.Errorf("q%d: %d bytes %.1f dB after %d bytes %.1f dB", q, len(data), p, prevSize, prevPSNR)
		}
		prevSize, prevPSNR = len(data), p
	}
}

// TestCarryPropagation: the boolean coder's output decodes back to the
// bits put in, through runs of 0xff bytes and carries.
func TestCarryPropagation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	e := newBoolEncoder(0)
	type put struct {
		bit  bool
		prob uint8
	}
	var puts []put
	for i := 0; i < 200000; i++ {
		p := put{r.IntN(100) < 97, uint8(1 + r.IntN(255))}
		if i%7 == 0 {
			p.prob = 255
		}
		puts = append(puts, p)
		e.putBit(p.bit, p.prob)
	}
	data := e.finish()
	d := boolDecoder{buf: data, rangeM1: 254}
	for i, p := range puts {
		if got := d.readBit(p.prob); got != p.bit {
			t.Fatalf("bit %d: read %v, put %v", i, got, p.bit)
		}
	}
}

// boolDecoder is the decoder's partition reader, adapted from
// golang.org/x/image/vp8 (partition.go): Copyright 2011 The Go Authors,
// BSD-style licence in LICENSE-x-image.
type boolDecoder struct {
	buf     []byte
	r       int
	rangeM1 uint32
	bits    uint32
	nBits   uint8
}

func (p *boolDecoder) readBit(prob uint8) bool {
	if p.nBits < 8 {
		if p.r < len(p.buf) {
			p.bits |= uint32(p.buf[p.r]) << (8 - p.nBits)
		}
		p.r++
		p.nBits += 8
	}
	split := (p.rangeM1*uint32(prob))>>8 + 1
	bit := p.bits >= split<<8
	if bit {
		p.rangeM1 -= split
		p.bits -= split << 8
	} else {
		p.rangeM1 = split - 1
	}
	for p.rangeM1 < 127 {
		p.rangeM1 = p.rangeM1<<1 | 1
		p.bits <<= 1
		p.nBits--
	}
	return bit
}

func BenchmarkEncode(b *testing.B) {
	m := picture(1280, 960, 9)
	for b.Loop() {
		Encode(io.Discard, m, 80)
	}
}

// ycbcrOf is a decoded picture's planes.
func ycbcrOf(t *testing.T, m image.Image) *image.YCbCr {
	t.Helper()
	switch m := m.(type) {
	case *image.YCbCr:
		return m
	case *image.NYCbCrA:
		return &m.YCbCr
	}
	t.Fatalf("decoded a %T", m)
	return nil
}
