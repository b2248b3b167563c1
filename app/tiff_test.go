package app_test

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestLocalTIFFDirectoryLast: a scanner's TIFF, its directory after the
// pixels (as x/image/tiff, ImageMagick and libtiff write it), uploads with
// its size and gets its thumbnail; a 16-bit 10000x10000 one written so is
// told "too much memory" at once. (Before, the pre-upload check read the
// first 256 KiB only: "no thumbnail will be made: corrupt image:
// unreadable tiff header (EOF)" for both.)
func TestLocalTIFFDirectoryLast(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 3000, 2000))
	for i := range m.Pix {
		m.Pix[i] = uint8(i % 251)
	}
	var b bytes.Buffer
	if err := tiff.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scan, bomb := filepath.Join(dir, "scan.tif"), filepath.Join(dir, "bomb.tif")
	os.WriteFile(scan, b.Bytes(), 0o644)
	os.WriteFile(bomb, testkit.TIFFBomb16DirLast(10000, 10000), 0o644)

	core := localCore(t, app.Dirs{})
	ids := core.Add(app.AddOptions{}, scan, bomb)
	core.Wait(bg, ids...)
	j, _ := core.Job(ids[0])
	if r := j.Record; j.State != app.Done || r.Status != app.StatusReady || r.Error != "" || r.Width != 3000 || r.Height != 2000 {
		t.Errorf("scan.tif: %v %s %dx%d %q %v", j.State, r.Status, r.Width, r.Height, r.Error, j.Err)
	}
	j, _ = core.Job(ids[1])
	if r := j.Record; r.Status != app.StatusUploaded || !strings.HasPrefix(r.Error, "no thumbnail will be made: too much memory") {
		t.Errorf("bomb.tif: %s %q", r.Status, r.Error)
	}
}
