package thumbnail

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestPNGRowsMatchImagePNG: for every file of the PNG suite that is not
// interlaced, the row decoder gives image/png's pixels (k=1), and its
// shrunk output is the box average of them (k=2, 3).
func TestPNGRowsMatchImagePNG(t *testing.T) {
	files, _ := filepath.Glob(testkit.GoImage("png", "testdata", "pngsuite", "*.png"))
	files = append(files, testkit.GoImage("testdata", "video-001.png"), testkit.GoImage("testdata", "video-005.gray.png"))
	n := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		l := pngLayout(data)
		if l.interlaced || strings.Contains(f, "-") && !strings.Contains(f, "video") {
			continue // Adam7 goes to image/png; "-nn" files are truncated variants
		}
		want, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			continue
		}
		n++
		ref := toNRGBA(want)
		for _, k := range []int{1, 2, 3} {
			got, err := decodePNGShrunk(data, k)
			if err != nil {
				t.Errorf("%s k=%d: %v", filepath.Base(f), k, err)
				continue
			}
			exp := ref
			if k > 1 {
				exp = shrinkNRGBA(ref, k, got.Rect.Dx(), got.Rect.Dy())
			}
			if d := maxDiff(got, exp); d > 1 {
				t.Errorf("%s k=%d: pixels differ by up to %d", filepath.Base(f), k, d)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d files checked", n)
	}
}

func maxDiff(a, b *image.NRGBA) int {
	if a.Rect != b.Rect {
		return 256
	}
	d := 0
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx()*4; x++ {
			p, q := int(a.Pix[y*a.Stride+x]), int(b.Pix[y*b.Stride+x])
			if a.Pix[y*a.Stride+x/4*4+3] == 0 && b.Pix[y*b.Stride+x/4*4+3] == 0 {
				continue // colour under full transparency does not matter
			}
			if p-q > d {
				d = p - q
			} else if q-p > d {
				d = q - p
			}
		}
	}
	return d
}
