package thumbnail

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	_ "golang.org/x/image/webp"
)

// TestLocationStripped: photos tagged by exiftool with a location (EXIF
// GPS in JPEG, PNG, WebP, HEIC and AVIF; XMP GPS in JPEG) lose it, keep
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
