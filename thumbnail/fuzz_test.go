package thumbnail

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// FuzzMake: any bytes give a thumbnail within the box or a typed,
// permanent error; never a panic.
func FuzzMake(f *testing.F) {
	for _, dir := range []string{testkit.GoImage("testdata"), testkit.GoImage("png", "testdata", "pngsuite")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil && len(data) < 32<<10 {
				f.Add(data)
			}
		}
	}
	f.Add(pngHeader(60000, 60000))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Make(data, Options{MaxSize: 48, MaxPixels: 4 << 20})
		if err != nil {
			if !IsPermanent(err) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if res.Width < 1 || res.Height < 1 || res.Width > 48 || res.Height > 48 || len(res.Data) == 0 {
			t.Fatalf("thumbnail %dx%d, %d bytes", res.Width, res.Height, len(res.Data))
		}
	})
}
