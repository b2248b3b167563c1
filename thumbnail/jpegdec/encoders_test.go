package jpegdec

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestEncoderVariants: a real photo encoded by ImageMagick with every
// chroma subsampling cameras and encoders write, baseline and progressive,
// and as CMYK; each decodes at 1/1 within ±2 of image/jpeg and at 1/2, 1/4
// and 1/8 within 35 dB of a box-filtered full decode.
func TestEncoderVariants(t *testing.T) {
	testkit.Need(t, "convert")
	src := testkit.Photo(t, "Storm.jpg")
	dir := t.TempDir()
	type variant struct{ name, sampling, interlace, colorspace string }
	var vs []variant
	for _, sf := range []string{"1x1", "2x1", "2x2", "1x2", "4x1", "4x2"} {
		for _, il := range []string{"none", "JPEG"} {
			vs = append(vs, variant{sf + "-" + il, sf, il, "sRGB"})
		}
	}
	vs = append(vs, variant{"cmyk", "1x1", "none", "CMYK"}, variant{"cmyk-progressive", "1x1", "JPEG", "CMYK"}, variant{"gray", "1x1", "JPEG", "Gray"})
	for _, v := range vs {
		p := filepath.Join(dir, v.name+".jpg")
		out, err := exec.Command("convert", src, "-crop", "803x601+300+200", "+repage", "-colorspace", v.colorspace,
			"-sampling-factor", v.sampling, "-interlace", v.interlace, "-quality", "90", p).CombinedOutput()
		if err != nil {
			t.Fatalf("convert %s: %v %s", v.name, err, out)
		}
		data, _ := os.ReadFile(p)
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: image/jpeg: %v", v.name, err)
		}
		row := v.name + ":"
		for _, scale := range []int{1, 2, 4, 8} {
			m, err := decode(data, scale)
			if err != nil {
				t.Errorf("%s 1/%d: %v", v.name, scale, err)
				continue
			}
			var q float64
			switch f := full.(type) {
			case *image.CMYK:
				q = cmykPSNR(m.(*image.CMYK), boxDownCMYK(f, scale))
			default:
				q = psnr(m, boxDown(full, scale))
			}
			if scale == 1 {
				if d := maxDiffRGB(m, full); d > 3 {
					t.Errorf("%s 1/1: a pixel differs by %d from image/jpeg", v.name, d)
				}
			} else if q < 35 {
				t.Errorf("%s 1/%d: PSNR %.1f dB", v.name, scale, q)
			}
			row += fmt.Sprintf(" 1/%d=%.1fdB", scale, q)
		}
		t.Log(row)
	}
}

// maxDiffRGB is the largest 8-bit RGB difference between two images (the
// conversion to RGB can double a ±1 sample difference).
func maxDiffRGB(a, b image.Image) int {
	m := 0
	r := b.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				if d < 0 {
					d = -d
				}
				m = max(m, d)
			}
		}
	}
	return m
}
