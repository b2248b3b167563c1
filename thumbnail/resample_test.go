package thumbnail

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// TestResampleMatchesImaging: the fixed-point resampler agrees with
// imaging's floating-point Lanczos-3 to within rounding, for RGB, gray,
// Y'CbCr (4:2:0, odd sizes: chroma resized from its own plane) and
// transparent pictures, down and up.
func TestResampleMatchesImaging(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 301, 199
	src := image.NewNRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(src.Rect)
	ycc := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio420)
	alpha := image.NewNRGBA(src.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*src.Stride + 4*x
			src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = uint8(x), uint8(y), uint8(x*y), 255
			if (x/17+y/13)%5 == 0 {
				src.Pix[i] = uint8(r.IntN(256))
			}
			gray.Pix[y*gray.Stride+x] = src.Pix[i]
			ycc.Y[ycc.YOffset(x, y)] = src.Pix[i+1]
			ycc.Cb[ycc.COffset(x, y)] = uint8(x / 2)
			ycc.Cr[ycc.COffset(x, y)] = uint8(255 - y)
			copy(alpha.Pix[i:i+4], src.Pix[i:i+4])
			alpha.Pix[i+3] = uint8(x * 255 / w) // transparent on the left
		}
	}
	for _, c := range []struct {
		name string
		m    image.Image
		min  float64 // dB
	}{{"rgb", src, 60}, {"gray", gray, 60}, {"ycbcr420", ycc, 45}, {"alpha", alpha, 50}} {
		for _, sz := range [][2]int{{200, 133}, {97, 64}, {301, 100}, {450, 300}, {1, 1}} {
			if c.name == "ycbcr420" && sz[0] == 1 {
				// One pixel averages the whole picture: Y'CbCr averaged
				// then converted differs from RGB averaged where the
				// colours converted fall outside RGB and are clipped
				// (this picture's chroma runs to the extremes).
				continue
			}
			got := resample(c.m, sz[0], sz[1])
			want := imaging.Resize(c.m, sz[0], sz[1], imaging.Lanczos)
			p := psnr(got, want)
			if p < c.min {
				t.Errorf("%s %v: %.1f dB from imaging's", c.name, sz, p)
			}
			t.Logf("%s %v: %.1f dB", c.name, sz, p)
		}
	}
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
