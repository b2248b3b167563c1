package thumbnail

import (
	"bytes"
	"encoding/binary"
	"image"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// scannerTIFF is a w x h grayscale TIFF as x/image/tiff writes it: its
// directory after the pixels, at the end of the file, as ImageMagick,
// libtiff and scanners write it.
func scannerTIFF(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(i % 251)
	}
	var b bytes.Buffer
	if err := tiff.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dirOffset is where a little-endian TIFF says its first directory is.
func dirOffset(d []byte) int64 { return int64(binary.LittleEndian.Uint32(d[4:])) }

// TestCheckReadsTIFFDirectoryAnywhere: the pre-upload check finds a
// TIFF's directory at the end of the file, far past the first 256 KiB
// (it said "corrupt image: unreadable tiff header (EOF)" for every such
// TIFF), and a 16-bit bomb written so is "too much memory", not corrupt.
func TestCheckReadsTIFFDirectoryAnywhere(t *testing.T) {
	scan := scannerTIFF(t, 3000, 2000)
	if off := dirOffset(scan); off < 4<<20 {
		t.Fatalf("the fixture's directory is at %d, not past the pixels", off)
	}
	r, size := bytes.NewReader(scan), int64(len(scan))
	if err := Check(r, size, Options{}); err != nil {
		t.Errorf("a 3000x2000 TIFF, directory last: %v", err)
	}
	if info, err := Header(r, size); err != nil || info.Width != 3000 || info.Height != 2000 || info.Format != TIFF {
		t.Errorf("Header: %+v %v", info, err)
	}
	if n := MemoryNeed(r, size, Options{}); n < 6_000_000 {
		t.Errorf("MemoryNeed %d: the pixels alone are 6 MB", n)
	}

	for name, bomb := range map[string][]byte{"directory first": testkit.TIFFBomb16(10000, 10000), "directory last": testkit.TIFFBomb16DirLast(10000, 10000)} {
		if name == "directory last" && dirOffset(bomb) < headSize {
			t.Fatalf("the bomb's directory is at %d, inside the first bytes", dirOffset(bomb))
		}
		err := Check(bytes.NewReader(bomb), int64(len(bomb)), Options{})
		if !errorsIsKind(err, KindTooMuchMemory) {
			t.Errorf("10000x10000 16-bit TIFF, %s: %v, want too much memory", name, err)
		}
	}
}

// TestCheckImageMagickTIFF: the same with a TIFF ImageMagick wrote.
func TestCheckImageMagickTIFF(t *testing.T) {
	testkit.Need(t, "convert")
	p := filepath.Join(t.TempDir(), "scan.tif")
	run(t, "convert", "-size", "3000x2000", "gradient:navy-orange", p)
	data := testkit.Read(t, p)
	if off := dirOffset(data); off < headSize {
		t.Fatalf("ImageMagick put the directory at %d, inside the first bytes: the fixture tests nothing", off)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Check(f, int64(len(data)), Options{}); err != nil {
		t.Errorf("Check: %v", err)
	}
	if info, err := Header(f, int64(len(data))); err != nil || info.Width != 3000 || info.Height != 2000 {
		t.Errorf("Header: %+v %v", info, err)
	}
	if res, err := Make(data, Options{}); err != nil || res.Width != 200 || res.Height != 133 {
		t.Errorf("Make: %v %v", res, err)
	}
}
