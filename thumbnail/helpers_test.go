package thumbnail

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// quadrants makes a w x h image whose four quadrants are red (top-left),
// green (top-right), blue (bottom-left) and white (bottom-right).
func quadrants(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{255, 255, 255, 255}
			switch {
			case x < w/2 && y < h/2:
				c = color.NRGBA{255, 0, 0, 255}
			case y < h/2:
				c = color.NRGBA{0, 255, 0, 255}
			case x < w/2:
				c = color.NRGBA{0, 0, 255, 255}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// exifSegment builds a JPEG APP1 segment holding an EXIF orientation tag.
func exifTIFF(o int, bo binary.ByteOrder) []byte {
	var t bytes.Buffer
	if bo == binary.LittleEndian {
		t.WriteString("II")
	} else {
		t.WriteString("MM")
	}
	binary.Write(&t, bo, uint16(42))
	binary.Write(&t, bo, uint32(8))
	binary.Write(&t, bo, uint16(1))      // one entry
	binary.Write(&t, bo, uint16(0x0112)) // Orientation
	binary.Write(&t, bo, uint16(3))      // SHORT
	binary.Write(&t, bo, uint32(1))
	binary.Write(&t, bo, uint16(o))
	binary.Write(&t, bo, uint16(0))
	binary.Write(&t, bo, uint32(0)) // no next IFD
	return t.Bytes()
}

// jpegWithOrientation encodes m as JPEG and inserts an Exif APP1 segment.
func jpegWithOrientation(t testing.TB, m image.Image, o int, bo binary.ByteOrder) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), exifTIFF(o, bo)...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func decodeResult(t testing.TB, r *Result) image.Image {
	t.Helper()
	m, f, err := image.Decode(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("thumbnail does not decode: %v", err)
	}
	if Format(f) != r.Format {
		t.Fatalf("thumbnail is %s, result says %s", f, r.Format)
	}
	if b := m.Bounds(); b.Dx() != r.Width || b.Dy() != r.Height {
		t.Fatalf("thumbnail is %dx%d, result says %dx%d", b.Dx(), b.Dy(), r.Width, r.Height)
	}
	return m
}

// near reports whether c is within tol of want in each channel (8-bit).
func near(c color.Color, want color.NRGBA, tol int) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	d := func(a, b uint8) bool { return abs(int(a)-int(b)) <= tol }
	return d(n.R, want.R) && d(n.G, want.G) && d(n.B, want.B) && d(n.A, want.A)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
