package jpegdec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// boxDown averages full-resolution RGB over scale x scale cells (partial at
// the edges): what a perfect scaled decode would give.
func boxDown(m image.Image, scale int) *image.NRGBA {
	b := m.Bounds()
	ow, oh := (b.Dx()+scale-1)/scale, (b.Dy()+scale-1)/scale
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			var r, g, bl, n uint32
			for y := oy * scale; y < min(oy*scale+scale, b.Dy()); y++ {
				for x := ox * scale; x < min(ox*scale+scale, b.Dx()); x++ {
					cr, cg, cb, _ := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
					r, g, bl, n = r+cr>>8, g+cg>>8, bl+cb>>8, n+1
				}
			}
			out.SetNRGBA(ox, oy, color.NRGBA{uint8((r + n/2) / n), uint8((g + n/2) / n), uint8((bl + n/2) / n), 255})
		}
	}
	return out
}

func boxDownCMYK(m *image.CMYK, scale int) *image.CMYK {
	b := m.Bounds()
	ow, oh := (b.Dx()+scale-1)/scale, (b.Dy()+scale-1)/scale
	out := image.NewCMYK(image.Rect(0, 0, ow, oh))
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			var s [4]int
			n := 0
			for y := oy * scale; y < min(oy*scale+scale, b.Dy()); y++ {
				for x := ox * scale; x < min(ox*scale+scale, b.Dx()); x++ {
					p := m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y):]
					for i := range s {
						s[i] += int(p[i])
					}
					n++
				}
			}
			for i := range s {
				out.Pix[out.PixOffset(ox, oy)+i] = uint8((s[i] + n/2) / n)
			}
		}
	}
	return out
}

func cmykPSNR(a, b *image.CMYK) float64 {
	var se float64
	for y := 0; y < b.Rect.Dy(); y++ {
		for x := 0; x < b.Rect.Dx()*4; x++ {
			d := float64(a.Pix[y*a.Stride+x]) - float64(b.Pix[y*b.Stride+x])
			se += d * d
		}
	}
	return 10 * math.Log10(255*255/(se/float64(4*b.Rect.Dx()*b.Rect.Dy())))
}

func psnr(a, b image.Image) float64 {
	var se float64
	n := 0
	ab := a.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y).RGBA()
			for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				se += d * d
			}
			n += 3
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

func corpusJPEGs(t testing.TB) []string {
	files, _ := filepath.Glob(testkit.Corpus("*.jpeg"))
	if len(files) < 20 {
		t.Fatalf("Go's JPEG corpus not found (%d files)", len(files))
	}
	return files
}

// TestScaledMatchesBoxFilter: every scaled decode of Go's corpus is within
// 35 dB PSNR of the full decode box-filtered to the same size; variants we
// leave to image/jpeg say ErrUnsupported.
func TestScaledMatchesBoxFilter(t *testing.T) {
	decoded := 0
	for _, f := range corpusJPEGs(t) {
		data, _ := os.ReadFile(f)
		full, stdErr := jpeg.Decode(bytes.NewReader(data))
		for _, scale := range []int{2, 4, 8} {
			m, err := decode(data, scale)
			name := filepath.Base(f)
			if errors.Is(err, ErrUnsupported) {
				continue
			}
			if err != nil {
				if stdErr == nil {
					t.Errorf("%s 1/%d: %v (image/jpeg reads it)", name, scale, err)
				}
				continue
			}
			if stdErr != nil {
				continue // we are more lenient on a truncated tail; fine
			}
			var p float64
			if cm, ok := full.(*image.CMYK); ok {
				// CMYK to RGB multiplies by K: compare box means of the
				// CMYK samples themselves.
				got, isCMYK := m.(*image.CMYK)
				if !isCMYK {
					t.Fatalf("%s: got %T for a CMYK file", name, m)
				}
				p = cmykPSNR(got, boxDownCMYK(cm, scale))
			} else {
				ref := boxDown(full, scale)
				if m.Bounds() != ref.Bounds() {
					t.Fatalf("%s 1/%d: bounds %v, want %v", name, scale, m.Bounds(), ref.Bounds())
				}
				p = psnr(m, ref)
			}
			if p < 35 {
				t.Errorf("%s 1/%d: PSNR %.1f dB vs box-filtered full decode", name, scale, p)
			}
			decoded++
			if testing.Verbose() {
				t.Logf("%s 1/%d: %.1f dB", name, scale, p)
			}
		}
	}
	if decoded < 30 {
		t.Errorf("only %d scaled decodes", decoded)
	}
}

func TestRefusesGarbage(t *testing.T) {
	data := testkit.ReadCorpus(t, "video-001.jpeg")
	for n := 0; n < len(data); n += 97 {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic on %d-byte prefix: %v", n, r)
				}
			}()
			if _, err := decode(data[:n], 8); err == nil && n < len(data)-200 {
				t.Errorf("a %d of %d byte prefix decoded without error", n, len(data))
			}
		}()
	}
	if _, err := decode([]byte("not a jpeg"), 8); err == nil || !strings.Contains(err.Error(), "SOI") {
		t.Errorf("got %v", err)
	}
}

// BenchmarkDecode: a 12 MP camera photo at 1/8 (what a 200 px thumbnail
// needs) against image/jpeg's full decode, in one run.
func BenchmarkDecode(b *testing.B) {
	data := testkit.ReadPhoto(b, "Elephants_12MP.jpg")
	for _, s := range []int{8, 4, 2, 1} {
		b.Run(fmt.Sprintf("jpegdec-1/%d", s), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decode(data, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("image/jpeg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
