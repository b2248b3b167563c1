package thumbnail

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	xwebp "golang.org/x/image/webp"
)

func psnrNRGBA(a *image.NRGBA, b image.Image) float64 {
	var se float64
	n := 0
	r := a.Rect
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := a.Pix[y*a.Stride+4*x:]
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for i, v := range []uint32{r2 >> 8, g2 >> 8, b2 >> 8} {
				d := float64(p[i]) - float64(v)
				se += d * d
				n++
			}
		}
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// ssim is the mean structural similarity of the luma of a and b over 8x8
// windows taken every 4 pixels (Wang et al. 2004, constants K1=0.01,
// K2=0.03).
func ssim(a *image.NRGBA, b image.Image) float64 {
	r := a.Rect
	luma := func(rr, gg, bb uint32) float64 { return 0.299*float64(rr) + 0.587*float64(gg) + 0.114*float64(bb) }
	w, h := r.Dx(), r.Dy()
	ya, yb := make([]float64, w*h), make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := a.Pix[y*a.Stride+4*x:]
			ya[y*w+x] = luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
			r2, g2, b2, _ := b.At(x+r.Min.X, y+r.Min.Y).RGBA()
			yb[y*w+x] = luma(r2>>8, g2>>8, b2>>8)
		}
	}
	const c1, c2 = (0.01 * 255) * (0.01 * 255), (0.03 * 255) * (0.03 * 255)
	var sum float64
	n := 0
	for y0 := 0; y0+8 <= h; y0 += 4 {
		for x0 := 0; x0+8 <= w; x0 += 4 {
			var ma, mb, va, vb, cov float64
			for y := y0; y < y0+8; y++ {
				for x := x0; x < x0+8; x++ {
					ma += ya[y*w+x]
					mb += yb[y*w+x]
				}
			}
			ma, mb = ma/64, mb/64
			for y := y0; y < y0+8; y++ {
				for x := x0; x < x0+8; x++ {
					da, db := ya[y*w+x]-ma, yb[y*w+x]-mb
					va, vb, cov = va+da*da, vb+db*db, cov+da*db
				}
			}
			va, vb, cov = va/63, vb/63, cov/63
			sum += (2*ma*mb + c1) * (2*cov + c2) / ((ma*ma + mb*mb + c1) * (va + vb + c2))
			n++
		}
	}
	return sum / float64(n)
}

// TestWebPQualityPerByte measures, on the 1280 px copies of the camera
// photos, the WebP twin (vp8enc) against the JPEG copy (quality 80) at
// the same PSNR and at the same SSIM, and against libwebp (method 4, in
// WebAssembly) at the same quality setting. It logs the figures; it fails
// if WebP is not smaller than JPEG at equal PSNR, or vp8enc falls more
// than 10% behind libwebp in bytes or 0.3 dB in PSNR.
func TestWebPQualityPerByte(t *testing.T) {
	testkit.Heavy(t, "a measurement")
	testkit.PhotoDir(t)
	decodeWebP := func(b []byte) image.Image {
		m, err := xwebp.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return fullRange(m)
	}
	var jpegTotal, psnrTotal, ssimTotal, oursTotal, libTotal int
	for _, name := range []string{"Elephants_12MP.jpg", "Storm.jpg", "Garden.jpg", "Kleiber_by_Lukas_Baubkus.jpg"} {
		data := testkit.ReadPhoto(t, name)
		info, _ := Inspect(data, Options{})
		opt := Options{Widths: []int{1280}}.withDefaults()
		_, made, src, err := render(data, info, readLayout(info.Format, data), opt)
		if err != nil {
			t.Fatal(err)
		}
		ref := made[len(made)-1]
		jb, _, err := encode(ref, JPEG, src, opt)
		if err != nil {
			t.Fatal(err)
		}
		jd, _ := jpeg.Decode(bytes.NewReader(jb))
		wantPSNR, wantSSIM := psnrNRGBA(ref, jd), ssim(ref, jd)
		// The lowest WebP quality reaching each (both grow with quality).
		smallest := func(reaches func(image.Image) bool) (int, []byte) {
			lo, hi := 1, 100
			best, _ := encodeWebP(ref, 100)
			for lo < hi {
				q := (lo + hi) / 2
				wp, _ := encodeWebP(ref, q)
				if reaches(decodeWebP(wp)) {
					hi, best = q, wp
				} else {
					lo = q + 1
				}
			}
			return lo, best
		}
		qp, bp := smallest(func(m image.Image) bool { return psnrNRGBA(ref, m) >= wantPSNR })
		qs, bs := smallest(func(m image.Image) bool { return ssim(ref, m) >= wantSSIM })
		jpegTotal += len(jb)
		psnrTotal += len(bp)
		ssimTotal += len(bs)
		pct := func(n int) float64 { return 100 * float64(n) / float64(len(jb)) }
		t.Logf("%s %dx%d: JPEG q80 %d KB (%.1f dB, SSIM %.4f); WebP at that PSNR q%d %d KB (%.0f%%), at that SSIM q%d %d KB (%.0f%%)",
			name, ref.Rect.Dx(), ref.Rect.Dy(), len(jb)>>10, wantPSNR, wantSSIM, qp, len(bp)>>10, pct(len(bp)), qs, len(bs)>>10, pct(len(bs)))
		start := time.Now()
		ours, _ := encodeWebP(ref, DefaultWebPQuality)
		oursTime := time.Since(start)
		var lib bytes.Buffer
		start = time.Now()
		encodeWebPMethod(&lib, ref, DefaultWebPQuality, 4)
		libTime := time.Since(start)
		om, lm := decodeWebP(ours), decodeWebP(lib.Bytes())
		op, lp := psnrNRGBA(ref, om), psnrNRGBA(ref, lm)
		t.Logf("  q80: vp8enc %d KB %.2f dB SSIM %.4f in %d ms; libwebp m4 %d KB %.2f dB SSIM %.4f in %d ms",
			len(ours)>>10, op, ssim(ref, om), oursTime.Milliseconds(), lib.Len()>>10, lp, ssim(ref, lm), libTime.Milliseconds())
		oursTotal += len(ours)
		libTotal += lib.Len()
		if op < lp-0.3 {
			t.Errorf("%s: vp8enc %.2f dB, libwebp %.2f dB", name, op, lp)
		}
	}
	t.Logf("all: WebP at equal PSNR is %.0f%% of the JPEG bytes, at equal SSIM %.0f%%; vp8enc at q80 is %.0f%% of libwebp's bytes",
		100*float64(psnrTotal)/float64(jpegTotal), 100*float64(ssimTotal)/float64(jpegTotal), 100*float64(oursTotal)/float64(libTotal))
	if psnrTotal >= jpegTotal {
		t.Errorf("WebP is not smaller than JPEG at equal PSNR")
	}
	if oursTotal*10 > libTotal*11 {
		t.Errorf("vp8enc takes more than 10%% more bytes than libwebp")
	}
}
