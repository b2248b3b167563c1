package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"golang.org/x/image/tiff"
	xwebp "golang.org/x/image/webp"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// rulesCore is a local-mode core (the real store in a data folder) with
// upload rules.
func rulesCore(t *testing.T, mod func(*app.Config)) *app.Core {
	t.Helper()
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	mod(&c)
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	return localCore(t, d)
}

// uploadOne uploads path and returns its job, done.
func uploadOne(t *testing.T, core *app.Core, path string) app.Job {
	t.Helper()
	id := core.Add(app.AddOptions{}, path)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done {
		t.Fatalf("%s: %v %v", j.Name, j.State, j.Err)
	}
	return j
}

// stored reads an object of the local bucket.
func stored(t *testing.T, core *app.Core, key string) []byte {
	t.Helper()
	s, err := openStore(core.Dirs())
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Get(bg, key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exiftool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("exiftool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("exiftool %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// psnrRGB compares two pictures of one size, channel by channel.
func psnrRGB(a, b image.Image) float64 {
	na, nb := imaging.Clone(a), imaging.Clone(b)
	var se float64
	n := 0
	for i := 0; i < len(na.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			d := float64(na.Pix[i+c]) - float64(nb.Pix[i+c])
			se += d * d
			n++
		}
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// TestTwelveMegapixelJPEGToWebP: a 12 MP camera JPEG, stored sideways
// (orientation 6), with GPS and a colour profile, uploaded with
// original_max 2048 and original_format webp: a WebP of 1539×2048 goes
// up, upright (its pixels against the photo turned by hand), with no GPS
// and no orientation left (exiftool), camera and profile kept; the
// record and --json say what was done; the thumbnail mirrors the key.
func TestTwelveMegapixelJPEGToWebP(t *testing.T) {
	testkit.Need(t, "exiftool")
	dir := t.TempDir()
	p := testkit.Copy(t, testkit.Photo(t, "Elephants_12MP.jpg"), filepath.Join(dir, "Elephants.jpg"))
	icc := filepath.Join(dir, "profile.icc")
	prof, err := exec.Command("exiftool", "-b", "-ICC_Profile", testkit.Photo(t, "Painting-Colors_by__herobrine7gamer.jpg")).Output()
	if err != nil || len(prof) < 128 {
		t.Fatalf("the photo set's profile: %v (%d bytes)", err, len(prof))
	}
	os.WriteFile(icc, prof, 0o644)
	exiftool(t, "-q", "-overwrite_original", "-n", "-Orientation=6", "-GPSLatitude=37.5665", "-GPSLatitudeRef=N",
		"-GPSLongitude=126.978", "-GPSLongitudeRef=E", "-ICC_Profile<="+icc, p)
	if meta := exiftool(t, "-n", "-Orientation", "-GPSLatitude", "-ProfileDescription", p); !strings.Contains(meta, "37.5665") || !strings.Contains(meta, ": 6") {
		t.Fatalf("the test photo lacks its GPS or orientation:\n%s", meta)
	}
	srcBytes := int64(len(testkit.Read(t, p)))

	core := rulesCore(t, func(c *app.Config) { c.OriginalMax, c.OriginalFormat = 2048, app.OriginalWebP })
	j := uploadOne(t, core, p)
	r := j.Record
	if r.ContentType != "image/webp" || r.Width != 1539 || r.Height != 2048 || !strings.HasSuffix(r.Key, "_Elephants.webp") ||
		r.ThumbKey != "thumb/"+strings.TrimPrefix(r.Key, "original/") || r.Status != app.StatusReady {
		t.Fatalf("record %+v", r)
	}
	want := "3006×4000 → 1539×2048, " + app.HumanSize(srcBytes) + " → " + app.HumanSize(r.Bytes) + ", JPEG → WebP"
	if r.Prepared == nil || r.Prepared.Summary != want || r.Prepared.SourceBytes != srcBytes || r.Prepared.ICC != "kept" || !r.LocationRemoved {
		t.Fatalf("prepared %+v, want %q", r.Prepared, want)
	}
	if r.SourceSHA256 == "" || r.SourceSHA256 == r.SHA256 {
		t.Errorf("sha256 %s, source %s", r.SHA256, r.SourceSHA256)
	}
	webp := stored(t, core, r.Key)
	if int64(len(webp)) != r.Bytes || r.Bytes > srcBytes/4 {
		t.Errorf("stored %d bytes, record %d, file %d", len(webp), r.Bytes, srcBytes)
	}
	sum := sha256.Sum256(webp)
	if hex.EncodeToString(sum[:]) != r.SHA256 {
		t.Error("the record's sha256 is not the stored object's")
	}
	out := filepath.Join(dir, "stored.webp")
	os.WriteFile(out, webp, 0o644)
	meta := exiftool(t, "-a", "-G1", "-n", "-GPS:all", "-Orientation", "-Make", "-ProfileDescription", "-ImageSize", out)
	if strings.Contains(meta, "GPS") {
		t.Errorf("GPS left in the stored WebP:\n%s", meta)
	}
	for _, w := range []string{"SONY", "sRGB-elle-V2-srgbtrc.icc", "Image Size                      : 1539 2048"} {
		if !strings.Contains(meta, w) {
			t.Errorf("exiftool does not find %q in the stored WebP:\n%s", w, meta)
		}
	}
	if strings.Contains(meta, "Orientation") && !strings.Contains(meta, "Orientation                     : 1") {
		t.Errorf("orientation left:\n%s", meta)
	}

	// By pixels: the photo decoded by Go's own decoder, turned as
	// orientation 6 says (90° clockwise) and resized, against the upload;
	// turned the other way it must not match.
	got, err := xwebp.Decode(bytes.NewReader(webp))
	if err != nil {
		t.Fatal(err)
	}
	orig, err := jpeg.Decode(bytes.NewReader(testkit.Read(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	right := imaging.Resize(imaging.Rotate270(orig), 1539, 2048, imaging.Lanczos)
	wrong := imaging.Resize(imaging.Rotate90(orig), 1539, 2048, imaging.Lanczos)
	good, bad := psnrRGB(got, right), psnrRGB(got, wrong)
	t.Logf("PSNR against the photo turned right %.1f dB, turned wrong %.1f dB", good, bad)
	if good < 27 || bad > good-10 { // WebP at quality 85 against Lanczos: about 30 dB

		t.Errorf("PSNR %.1f dB upright, %.1f dB the wrong way round", good, bad)
	}

	// --json says so too.
	o, _ := core.Output(bg, r, false)
	b, _ := json.Marshal(o)
	for _, w := range []string{`"prepared":{"summary":"3006×4000 → 1539×2048`, `"source_width":3006`, `"source_content_type":"image/jpeg"`, `"icc":"kept"`} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("--json lacks %s: %s", w, b)
		}
	}
}

// TestWithinRulesByteForByte: a photo already within the rules goes up
// as it is, byte for byte, with nothing said of it; a JPEG asked as JPEG
// too.
func TestWithinRulesByteForByte(t *testing.T) {
	p := testkit.Copy(t, testkit.Photo(t, "Storm.jpg"), filepath.Join(t.TempDir(), "Storm.jpg")) // 1920×1280, no GPS
	core := rulesCore(t, func(c *app.Config) { c.OriginalMax, c.OriginalFormat = 2048, app.OriginalJPEG })
	r := uploadOne(t, core, p).Record
	if !bytes.Equal(stored(t, core, r.Key), testkit.Read(t, p)) || r.Prepared != nil || r.ContentType != "image/jpeg" || !strings.HasSuffix(r.Key, "_Storm.jpg") {
		t.Errorf("not byte for byte: %+v", r)
	}
}

// TestPNGMadeSmallerKeepsPNG: keep with original_max: a PNG larger than
// the rule is made smaller and stays PNG, its transparency kept.
func TestPNGMadeSmallerKeepsPNG(t *testing.T) {
	p := testkit.Copy(t, testkit.Photo(t, "Arc-Colors-Transparent-Wallpaper.png"), filepath.Join(t.TempDir(), "wall.png"))
	core := rulesCore(t, func(c *app.Config) { c.OriginalMax = 1000 })
	r := uploadOne(t, core, p).Record
	m, err := imaging.Decode(bytes.NewReader(stored(t, core, r.Key)))
	if err != nil || r.ContentType != "image/png" || max(r.Width, r.Height) != 1000 || m.Bounds().Dx() != r.Width {
		t.Fatalf("%+v %v", r, err)
	}
	if imaging.Clone(m).Opaque() {
		t.Error("the transparency was lost")
	}
}

// TestTIFFWebCopy: a TIFF keeps its bytes at its key and gets a
// full-size JPEG at thumb/web/<key>.jpg from the same decode; the url,
// Markdown and HTML links use it, --json shows it, delete removes it.
func TestTIFFWebCopy(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			m.Set(x, y, color.NRGBA{uint8(x * 255 / 639), uint8(y * 255 / 479), uint8((x + y) % 256), 255})
		}
	}
	var b bytes.Buffer
	tiff.Encode(&b, m, nil)
	p := filepath.Join(t.TempDir(), "scan.tif")
	os.WriteFile(p, b.Bytes(), 0o644)
	core := rulesCore(t, func(*app.Config) {})
	r := uploadOne(t, core, p).Record
	wantKey := "thumb/web/" + strings.TrimPrefix(r.Key, "original/") + ".jpg"
	if r.WebKey != wantKey || r.ContentType != "image/tiff" || !bytes.Equal(stored(t, core, r.Key), b.Bytes()) {
		t.Fatalf("record %+v", r)
	}
	web, err := jpeg.Decode(bytes.NewReader(stored(t, core, r.WebKey)))
	if err != nil || web.Bounds().Dx() != 640 || web.Bounds().Dy() != 480 {
		t.Fatalf("web copy: %v %v", err, web.Bounds())
	}
	if db := psnrRGB(web, m); db < 30 {
		t.Errorf("web copy PSNR %.1f dB", db)
	}
	for _, f := range []string{app.FormatURL, app.FormatMarkdown, app.FormatHTML} {
		l, err := core.Link(bg, f, r)
		if err != nil || !strings.Contains(l, "/thumb/web/") || strings.Contains(l, "/original/") {
			t.Errorf("%s link %q %v", f, l, err)
		}
	}
	o, _ := core.Output(bg, r, true)
	if !strings.HasSuffix(o.URL, "scan.tif") || !strings.HasSuffix(o.WebURL, "scan.tif.jpg") {
		t.Errorf("--json url %s web_url %s", o.URL, o.WebURL)
	}
	h, _, _ := core.Find(bg, r.Key)
	if h.WebKey != r.WebKey || h.WebURL == "" {
		t.Errorf("history: %+v", h)
	}
	// The web copy's link names the upload too (delete by it).
	if k, err := core.ResolveKey(bg, o.WebURL); err != nil || k != r.Key {
		t.Errorf("web copy link resolves to %q %v", k, err)
	}
	if _, err := core.Delete(bg, o.WebURL); err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(core.Dirs())
	for _, k := range []string{r.Key, r.ThumbKey, r.WebKey} {
		if _, err := s.Head(bg, k); err == nil {
			t.Errorf("%s left after delete", k)
		}
	}
}

// TestHEICWebCopy: an iPhone-like HEIC (libheif's heif-enc) with GPS
// keeps its bytes; its web copy is a full-size JPEG, upright, with no
// location (exiftool).
func TestHEICWebCopy(t *testing.T) {
	testkit.Need(t, "heif-enc", "exiftool")
	dir := t.TempDir()
	src := filepath.Join(dir, "src.png")
	m := imaging.Resize(imaging.Clone(mustDecode(t, testkit.Photo(t, "Storm.jpg"))), 1200, 800, imaging.Lanczos)
	imaging.Save(m, src)
	heic := filepath.Join(dir, "IMG_0042.HEIC")
	if out, err := exec.Command("heif-enc", "-q", "85", src, "-o", heic).CombinedOutput(); err != nil {
		t.Fatalf("heif-enc: %v %s", err, out)
	}
	exiftool(t, "-q", "-overwrite_original", "-GPSLatitude=37.5665", "-GPSLatitudeRef=N", "-Make=Apple", heic)
	core := rulesCore(t, func(*app.Config) {})
	r := uploadOne(t, core, heic).Record
	if r.ContentType != "image/heic" || r.WebKey == "" || !strings.HasSuffix(r.WebKey, "_IMG_0042.HEIC.jpg") {
		t.Fatalf("record %+v", r)
	}
	out := filepath.Join(dir, "web.jpg")
	os.WriteFile(out, stored(t, core, r.WebKey), 0o644)
	meta := exiftool(t, "-a", "-G1", "-GPS:all", "-Make", "-ImageSize", "-FileType", out)
	if strings.Contains(meta, "GPS") || !strings.Contains(meta, "1200x800") || !strings.Contains(meta, "JPEG") || !strings.Contains(meta, "Apple") {
		t.Errorf("web copy:\n%s", meta)
	}
	if db := psnrRGB(mustDecode(t, out), m); db < 28 {
		t.Errorf("web copy PSNR %.1f dB against the picture", db)
	}
}

func mustDecode(t *testing.T, p string) image.Image {
	t.Helper()
	m, err := imaging.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
