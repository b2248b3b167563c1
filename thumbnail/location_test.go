package thumbnail

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// TestLocationStripped: photos tagged by exiftool with a location (EXIF
// GPS in JPEG, PNG, WebP, HEIC, AVIF and TIFF; XMP GPS in JPEG) lose it, keep
// their orientation, camera and date, their size, and every pixel.
func TestLocationStripped(t *testing.T) {
	testkit.Need(t, "exiftool", "convert", "heif-enc", "avifenc")
	dir := t.TempDir()
	pngPath, jpgPath := marked(t, dir)
	files := map[string]func(string){
		"photo.jpg":  func(p string) { run(t, "cp", jpgPath, p) },
		"shot.png":   func(p string) { run(t, "cp", pngPath, p) },
		"pic.webp":   func(p string) { run(t, "convert", pngPath, "-quality", "90", p) },
		"phone.heic": func(p string) { run(t, "heif-enc", "-q", "90", pngPath, "-o", p) },
		"phone.avif": func(p string) { run(t, "avifenc", pngPath, p) },
		"scan.tif":   func(p string) { run(t, "convert", pngPath, p) }, // its directory after the pixels
	}
	for name, mk := range files {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			mk(p)
			args := []string{"-q", "-overwrite_original", "-GPSLatitude=37.5665", "-GPSLatitudeRef=N",
				"-GPSLongitude=126.978", "-GPSLongitudeRef=E", "-GPSAltitude=38", "-Make=TestCam",
				"-DateTimeOriginal=2026:11:26 10:00:00", "-Orientation#=1"}
			if name == "photo.jpg" {
				args = append(args, "-XMP-exif:GPSLatitude=37.5665", "-XMP-exif:GPSLongitude=126.978")
			}
			run(t, "exiftool", append(args, p)...)
			if !strings.Contains(exif(t, p), "GPS Latitude") {
				t.Fatalf("the fixture has no location:\n%s", exif(t, p))
			}
			orig, _ := os.ReadFile(p)
			patches, err := LocationPatches(bytes.NewReader(orig), int64(len(orig)))
			if err != nil || len(patches) == 0 {
				t.Fatalf("no patches (%v)", err)
			}
			stripped, err := io.ReadAll(NewPatched(bytes.NewReader(orig), int64(len(orig)), patches))
			if err != nil || len(stripped) != len(orig) {
				t.Fatalf("patched: %d bytes of %d, %v", len(stripped), len(orig), err)
			}
			out := filepath.Join(dir, "stripped-"+name)
			os.WriteFile(out, stripped, 0o644)
			meta := exif(t, out)
			if strings.Contains(meta, "GPS") {
				t.Errorf("location left:\n%s", meta)
			}
			for _, keep := range []string{"Make", "Date/Time Original", "Orientation"} {
				if !strings.Contains(meta, keep) {
					t.Errorf("%s was removed too:\n%s", keep, meta)
				}
			}
			if strings.Contains(meta, "Warning") || strings.Contains(meta, "Error") {
				t.Errorf("exiftool complains about the result:\n%s", meta)
			}
			a, b := pixels(t, orig), pixels(t, stripped)
			if !bytes.Equal(a, b) {
				t.Error("the pixels changed")
			}
		})
	}
}

func exif(t *testing.T, p string) string {
	t.Helper()
	out, err := exec.Command("exiftool", "-a", "-G1", "-GPS:all", "-XMP:all", "-Make", "-DateTimeOriginal", "-Orientation", "-Warning", "-Error", p).CombinedOutput()
	if err != nil {
		t.Fatalf("exiftool: %v\n%s", err, out)
	}
	return string(out)
}

// pixels decodes an image to its raw samples, whatever the format.
func pixels(t *testing.T, data []byte) []byte {
	t.Helper()
	var m image.Image
	var err error
	switch Sniff(data) {
	case HEIF:
		m, err = decodeHEIC(data)
	case AVIF:
		m, err = decodeAVIF(data)
	default:
		m, _, err = image.Decode(bytes.NewReader(data))
	}
	if err != nil {
		t.Fatal(err)
	}
	return toNRGBA(m).Pix
}

// gpsTIFF is a w x h grayscale TIFF laid out as scanners and ImageMagick
// write it (pixels first, then the directories), with a camera make, a
// GPS IFD (latitude 37.5665 N) and an XMP packet holding the position too.
func gpsTIFF(w, h int) (data, pix, lat []byte) {
	le := binary.LittleEndian
	pix = make([]byte, w*h)
	for i := range pix {
		pix[i] = uint8(i * 7)
	}
	lat = make([]byte, 24) // 37/1 33/1 599400/10000: rationals
	for i, v := range []uint32{37, 1, 33, 1, 599400, 10000} {
		le.PutUint32(lat[4*i:], v)
	}
	xmp := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="37,33.99N" exif:GPSLongitude="126,58.68E"/></rdf:RDF></x:xmpmeta>`)
	make_ := []byte("TestCam\x00")
	type entry struct {
		tag, typ uint16
		count    uint32
		val      uint32 // or offset, filled in below
		data     []byte // out of line
	}
	ifd0 := []entry{
		{256, 4, 1, uint32(w), nil}, {257, 4, 1, uint32(h), nil}, {258, 3, 1, 8, nil}, {259, 3, 1, 1, nil},
		{262, 3, 1, 1, nil}, {271, 2, uint32(len(make_)), 0, make_}, {273, 4, 1, 8, nil}, {274, 3, 1, 1, nil},
		{277, 3, 1, 1, nil}, {278, 4, 1, uint32(h), nil}, {279, 4, 1, uint32(len(pix)), nil},
		{700, 1, uint32(len(xmp)), 0, xmp}, {0x8825, 4, 1, 0, nil},
	}
	gps := []entry{{0, 1, 4, 0x00000202, nil}, {1, 2, 2, 'N', nil}, {2, 5, 3, 0, lat}}
	var b bytes.Buffer
	b.WriteString("II*\x00\x00\x00\x00\x00") // the directory's offset, filled in below
	b.Write(pix)
	put := func(es []entry) int { // out-of-line data, then the directory; returns its offset
		for i := range es {
			if es[i].data != nil {
				if b.Len()%2 == 1 {
					b.WriteByte(0)
				}
				es[i].val = uint32(b.Len())
				b.Write(es[i].data)
			}
		}
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		off := b.Len()
		binary.Write(&b, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&b, le, e.tag)
			binary.Write(&b, le, e.typ)
			binary.Write(&b, le, e.count)
			binary.Write(&b, le, e.val)
		}
		binary.Write(&b, le, uint32(0))
		return off
	}
	ifd0[len(ifd0)-1].val = uint32(put(gps))
	off := put(ifd0)
	data = b.Bytes()
	le.PutUint32(data[4:], uint32(off))
	return data, pix, lat
}

// TestTIFFLocationStripped: a TIFF's GPS IFD is blanked where it is (its
// entry out of the first directory, its entries and values zeroed) and
// the XMP packet's position with it; the file keeps its size, its pixels
// and its other tags.
func TestTIFFLocationStripped(t *testing.T) {
	orig, pix, lat := gpsTIFF(64, 48)
	if m, err := tiff.Decode(bytes.NewReader(orig)); err != nil || !bytes.Equal(m.(*image.Gray).Pix, pix) {
		t.Fatalf("the fixture does not decode: %v", err)
	}
	patches, err := LocationPatches(bytes.NewReader(orig), int64(len(orig)))
	if err != nil || len(patches) == 0 {
		t.Fatalf("no patches (%v)", err)
	}
	stripped, err := io.ReadAll(NewPatched(bytes.NewReader(orig), int64(len(orig)), patches))
	if err != nil || len(stripped) != len(orig) {
		t.Fatalf("patched: %d bytes of %d, %v", len(stripped), len(orig), err)
	}
	if bytes.Contains(stripped, lat) || bytes.Contains(stripped, []byte("exif:GPS")) {
		t.Error("the position is still in the file")
	}
	d, ok := readTIFFDir(bytes.NewReader(stripped), int64(len(stripped)))
	if !ok {
		t.Fatal("the stripped file has no directory")
	}
	if _, _, ok := d.find(tagGPSIFD); ok || len(d.entries) != 12 {
		t.Errorf("%d entries, GPSInfo among them: %v", len(d.entries), ok)
	}
	if _, b, ok := d.bytes(271, 64); !ok || string(b) != "TestCam\x00" {
		t.Errorf("Make: %q", b)
	}
	m, err := tiff.Decode(bytes.NewReader(stripped))
	if err != nil || !bytes.Equal(m.(*image.Gray).Pix, pix) {
		t.Errorf("the pixels changed (%v)", err)
	}
	if !bytes.Equal(stripped[8:8+len(pix)], pix) {
		t.Error("bytes of the pixel data were patched")
	}
}
