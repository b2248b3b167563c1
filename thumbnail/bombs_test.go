package thumbnail

import (
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestBombs: small files that decode to huge images are refused or
// thumbnailed by their header and a reduced decode, quickly. (Peak memory
// is measured on the real processes: the thumbnail command and the Lambda
// binary.)
func TestBombs(t *testing.T) {
	for _, c := range []struct {
		name   string
		data   []byte
		refuse Kind // 0: thumbnailed
	}{
		{"10000x10000 16-bit TIFF", testkit.TIFFBomb16(10000, 10000), KindTooMuchMemory},
		{"10000x10000 PNG", testkit.PNGBomb(10000, 10000), 0},
		{"GIF with a 10000x10000 screen", testkit.GIFBomb(10000, 10000), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("%d bytes", len(c.data))
			res, err := Make(c.data, Options{})
			if c.refuse != 0 {
				if err == nil || !errorsIsKind(err, c.refuse) {
					t.Fatalf("want a %v refusal, got %v", c.refuse, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Width != 200 || res.Height != 200 {
				t.Fatalf("thumbnail %dx%d", res.Width, res.Height)
			}
		})
	}
}

func errorsIsKind(err error, k Kind) bool {
	e, ok := err.(*Error)
	return ok && e.Kind == k
}
