package thumbnail

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestRealPhotos thumbnails real camera photos and compares each with a
// reference resize (full decode + Lanczos all the way): no visible quality
// loss means PSNR of at least 35 dB. A measurement (seconds of full
// decodes): the full tier runs it.
func TestRealPhotos(t *testing.T) {
	testkit.Heavy(t, "a measurement: eight photos decoded in full for the reference")
	for _, c := range []struct {
		name   string
		w, h   int // expected thumbnail size
		format Format
	}{
		{"Elephants_12MP.jpg", 200, 150, JPEG},
		{"Elephants_5640x3172.jpg", 200, 112, JPEG},
		{"Kleiber_by_Lukas_Baubkus.jpg", 200, 113, JPEG},
		{"Painting-Colors_by__herobrine7gamer.jpg", 200, 133, JPEG},
		{"Phone_48MP.jpg", 200, 150, JPEG},
		{"Storm.jpg", 200, 133, JPEG},
		{"Garden.jpg", 200, 125, JPEG},
		{"Arc-Colors-Transparent-Wallpaper.png", 200, 112, PNG},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := testkit.ReadPhoto(t, c.name)
			res, err := Make(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Width != c.w || res.Height != c.h || res.Format != c.format {
				t.Fatalf("got %dx%d %s, want %dx%d %s", res.Width, res.Height, res.Format, c.w, c.h, c.format)
			}
			got := decodeResult(t, res)
			ref := reference(t, data, c.w, c.h)
			// Resize quality, before the lossy encode: the pixels we hand
			// the encoder against Lanczos from the full image.
			info, err := Inspect(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, made, _, err := render(data, info, readLayout(info.Format, data), Options{}.withDefaults())
			if err != nil {
				t.Fatal(err)
			}
			small := made[0]
			pResize := psnr(small, ref)
			pFile := psnr(got, ref)
			t.Logf("%s: %dx%d -> %dx%d, %d bytes; PSNR vs full Lanczos: resize %.1f dB, after encode %.1f dB",
				c.name, res.SrcWidth, res.SrcHeight, res.Width, res.Height, len(res.Data), pResize, pFile)
			if pResize < 40 {
				t.Errorf("resize PSNR %.1f dB against the reference, want >= 40", pResize)
			}
			if pFile < 27 { // JPEG at quality 80 costs a few dB on its own
				t.Errorf("encoded thumbnail PSNR %.1f dB, want >= 27", pFile)
			}
		})
	}
}

// reference is the naive pipeline: decode everything, Lanczos to size.
func reference(t testing.TB, data []byte, w, h int) image.Image {
	m, err := imaging.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return imaging.Resize(m, w, h, imaging.Lanczos)
}

// psnr over RGB (alpha-premultiplied), 8-bit.
func psnr(a, b image.Image) float64 {
	var se float64
	n := 0
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
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

// BenchmarkThumbnail compares, in one run, our pipeline with the naive one
// (imaging.Open-style decode + imaging.Fit Lanczos) on a real 12 MP photo.
// Run with -cpu 1 for the Lambda-like single core figure.
func BenchmarkThumbnail(b *testing.B) {
	data := testkit.ReadPhoto(b, "Elephants_12MP.jpg")
	b.Run("thumbdrop", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Make(data, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("naive-imaging", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			m, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
			if err != nil {
				b.Fatal(err)
			}
			m2 := imaging.Fit(m, 200, 200, imaging.Lanczos)
			var buf bytes.Buffer
			jpeg.Encode(&buf, m2, &jpeg.Options{Quality: 80})
		}
	})
	b.Run("stdlib-decode-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
