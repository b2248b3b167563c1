package jpegdec

import (
	"bytes"
	"image/jpeg"
	"os"
	"testing"
)

// FuzzDecode: hostile input returns an error, never panics, and a decoded
// image always has the size the header promised.
func FuzzDecode(f *testing.F) {
	for _, p := range corpusJPEGs(f) {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data, uint8(3))  // 1/8, chroma enlarged
			f.Add(data, uint8(7))  // 1/8, chroma subsampled
			f.Add(data, uint8(13)) // 1/2, chroma subsampled
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, s uint8) {
		// The pixel limit is the pipeline's (thumbnail.Inspect, fuzzed by
		// FuzzMake); here large declared sizes would only slow the fuzzer.
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > 4<<20 {
			return
		}
		scale := []int{1, 2, 4, 8}[int(s)%4]
		dec := decode
		if s&4 != 0 {
			dec = DecodeSubsampled
		}
		m, err := dec(data, scale)
		if err != nil {
			return
		}
		b := m.Bounds()
		if b.Dx() <= 0 || b.Dy() <= 0 || int64(b.Dx())*int64(b.Dy()) > maxPixels {
			t.Fatalf("decoded bounds %v", b)
		}
		m.At(b.Max.X-1, b.Max.Y-1) // the planes must cover the bounds
	})
}
