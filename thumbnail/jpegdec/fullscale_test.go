package jpegdec

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// planeDiff compares two planes sample by sample over w x h.
func planeDiff(a []byte, as int, b []byte, bs int, w, h int) (maxd int, sum float64, n int) {
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := int(a[y*as+x]) - int(b[y*bs+x])
			if d < 0 {
				d = -d
			}
			maxd = max(maxd, d)
			sum += float64(d)
			n++
		}
	}
	return
}

// TestFullScaleMatchesStdlib: at 1/1 every decoded sample is within ±2 of
// image/jpeg's (different IDCT arithmetic), on every file both read.
func TestFullScaleMatchesStdlib(t *testing.T) {
	worst, total, count, files := 0, 0.0, 0, 0
	for _, f := range corpusJPEGs(t) {
		data, _ := os.ReadFile(f)
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			continue
		}
		m, err := decode(data, 1)
		if errors.Is(err, ErrUnsupported) {
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		var maxd, n int
		var sum float64
		switch r := ref.(type) {
		case *image.YCbCr:
			g, ok := m.(*image.YCbCr)
			if !ok || g.SubsampleRatio != r.SubsampleRatio {
				t.Errorf("%s: got %T, want YCbCr %v", filepath.Base(f), m, r.SubsampleRatio)
				continue
			}
			w, h := r.Rect.Dx(), r.Rect.Dy()
			cw, ch := (r.COffset(w-1, h-1)%r.CStride)+1, r.COffset(w-1, h-1)/r.CStride+1
			for _, p := range []struct {
				a, b   []byte
				as, bs int
				w, h   int
			}{{g.Y, r.Y, g.YStride, r.YStride, w, h}, {g.Cb, r.Cb, g.CStride, r.CStride, cw, ch}, {g.Cr, r.Cr, g.CStride, r.CStride, cw, ch}} {
				md, s, k := planeDiff(p.a, p.as, p.b, p.bs, p.w, p.h)
				maxd, sum, n = max(maxd, md), sum+s, n+k
			}
		case *image.Gray:
			g, ok := m.(*image.Gray)
			if !ok {
				t.Errorf("%s: got %T, want Gray", filepath.Base(f), m)
				continue
			}
			maxd, sum, n = planeDiff(g.Pix, g.Stride, r.Pix, r.Stride, r.Rect.Dx(), r.Rect.Dy())
		default:
			continue
		}
		files++
		worst, total, count = max(worst, maxd), total+sum, count+n
		if maxd > 2 {
			t.Errorf("%s: a sample differs by %d from image/jpeg", filepath.Base(f), maxd)
		}
	}
	t.Logf("1/1 vs image/jpeg on %d files: max error %d, mean %.3f per sample", files, worst, total/float64(count))
	if files < 20 {
		t.Errorf("only %d files compared", files)
	}
}
