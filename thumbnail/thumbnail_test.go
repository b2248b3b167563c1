package thumbnail

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// TestGoCorpora: every file the standard decoders read must thumbnail; every
// file they refuse must fail with our typed error, never a panic.
func TestGoCorpora(t *testing.T) {
	var files []string
	for _, dir := range []string{testkit.GoImage("testdata"), testkit.GoImage("png", "testdata", "pngsuite"), testkit.XImage(t)} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if ext := filepath.Ext(e.Name()); ext != ".sng" && ext != ".bz2" && !strings.HasPrefix(e.Name(), "README") && !e.IsDir() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	if len(files) < 150 {
		t.Fatalf("only %d corpus files found", len(files))
	}
	ok, refused := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, _, stdErr := image.Decode(bytes.NewReader(data))
		res, err := Make(data, Options{MaxSize: 32})
		name := filepath.Base(f)
		switch {
		case stdErr == nil && err != nil:
			t.Errorf("%s: standard decoder reads it, we fail: %v", name, err)
		case err != nil:
			if !IsPermanent(err) {
				t.Errorf("%s: untyped error %v", name, err)
			}
			refused++
		default:
			m := decodeResult(t, res)
			if b := m.Bounds(); b.Dx() > 32 || b.Dy() > 32 {
				t.Errorf("%s: thumbnail %v exceeds 32x32", name, b)
			}
			ok++
		}
	}
	t.Logf("%d thumbnailed, %d refused with a typed error", ok, refused)
	if ok < 140 {
		t.Errorf("only %d files thumbnailed", ok)
	}
}

// TestTruncated cuts valid files at many points: each must give a thumbnail
// or a typed error, never a panic or an untyped error.
func TestTruncated(t *testing.T) {
	for _, name := range []string{"video-001.jpeg", "video-001.progressive.jpeg", "video-001.png",
		"video-001.gif", "video-001.q50.420.jpeg", "video-001.cmyk.jpeg", "blue-purple-pink.lossless.webp",
		"video-001.bmp", "video-001.tiff", "yellow_rose.lossy-with-alpha.webp", "video-001-16bit.tiff", "video-001.restart2.jpeg"} {
		data := corpusFile(t, name)
		for _, n := range []int{0, 1, 3, 8, 16, 33, 100, len(data) / 4, len(data) / 2, len(data) - 10, len(data) - 1} {
			if n < 0 || n >= len(data) {
				continue
			}
			_, err := Make(data[:n], Options{})
			if err != nil && !IsPermanent(err) {
				t.Errorf("%s[:%d]: untyped error %v", name, n, err)
			}
			if n < 16 && err == nil {
				t.Errorf("%s[:%d]: a %d-byte stub gave a thumbnail", name, n, n)
			}
		}
	}
	_, err := Make(testkit.ReadCorpus(t, "video-001.progressive.truncated.jpeg"), Options{})
	_ = err // the standard decoder accepts some truncations; TestGoCorpora covers the rule
}

// corpusFile reads a file of Go's image corpus or of x/image's.
func corpusFile(t testing.TB, name string) []byte {
	t.Helper()
	if b, err := os.ReadFile(testkit.Corpus(name)); err == nil {
		return b
	}
	return testkit.Read(t, testkit.XImage(t, name))
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		opt  Options
		want error
	}{
		{"empty", nil, Options{}, ErrEmpty},
		{"text", []byte("hello, this is a text file, not a photo\n"), Options{}, ErrNotImage},
		{"html", []byte("<!doctype html><html><body><img src=x></body></html>"), Options{}, ErrNotImage},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), Options{}, ErrNotImage},
		{"png signature only", []byte("\x89PNG\r\n\x1a\n"), Options{}, ErrCorrupt},
		{"jpeg SOI only", []byte{0xFF, 0xD8, 0xFF, 0xE0}, Options{}, ErrCorrupt},
		{"too large", testkit.ReadCorpus(t, "video-001.png"), Options{MaxBytes: 1000}, ErrTooLarge},
		{"too many pixels", testkit.ReadCorpus(t, "video-001.png"), Options{MaxPixels: 1000}, ErrTooManyPixels},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Make(tc.data, tc.opt)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !IsPermanent(err) {
				t.Fatalf("%v is not permanent", err)
			}
			if len(err.Error()) < 8 {
				t.Fatalf("error %q says too little", err)
			}
		})
	}
}

// pngHeader builds a valid PNG up to and including IHDR (no pixel data).
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	writeChunk(&b, "IHDR", ihdr)
	writeChunk(&b, "IDAT", []byte{0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1}) // a tiny zlib stream
	writeChunk(&b, "IEND", nil)
	return b.Bytes()
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(b, binary.BigEndian, crc.Sum32())
}

// TestDecompressionBomb: a PNG declaring 60000x60000 is refused quickly
// without allocating its pixels (14 GB as RGBA).
func TestDecompressionBomb(t *testing.T) {
	bomb := pngHeader(60000, 60000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Make(bomb, Options{})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("got %v, want too many pixels", err)
	}
	if !strings.Contains(err.Error(), "60000x60000") {
		t.Errorf("error %q does not name the declared size", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", alloc)
	}
	if took > time.Second { // a generous bound: refusal is header parsing only
		t.Errorf("refusing the bomb took %v", took)
	}
}

// TestOrientation: for each EXIF orientation, the thumbnail displays upright.
// The stored image is the upright quadrant image transformed by the inverse
// of the orientation, as a camera would store it.
func TestOrientation(t *testing.T) {
	upright := quadrants(120, 80)
	// stored[o] = what a camera writes so that applying o shows upright.
	inverse := map[int]func(image.Image) *image.NRGBA{
		1: imaging.Clone, 2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV,
		5: imaging.Transpose, 6: imaging.Rotate90, 7: imaging.Transverse, 8: imaging.Rotate270,
	}
	red, green := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}
	blue, white := color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 255, 255, 255}
	for o := 1; o <= 8; o++ {
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			data := jpegWithOrientation(t, inverse[o](upright), o, bo)
			res, err := Make(data, Options{MaxSize: 60})
			if err != nil {
				t.Fatalf("orientation %d: %v", o, err)
			}
			if res.SrcWidth != 120 || res.SrcHeight != 80 || res.Width != 60 || res.Height != 40 {
				t.Fatalf("orientation %d: src %dx%d thumb %dx%d, want 120x80 and 60x40",
					o, res.SrcWidth, res.SrcHeight, res.Width, res.Height)
			}
			m := decodeResult(t, res)
			for _, c := range []struct {
				x, y int
				want color.NRGBA
			}{{8, 8, red}, {52, 8, green}, {8, 32, blue}, {52, 32, white}} {
				if got := m.At(c.x, c.y); !near(got, c.want, 40) {
					t.Errorf("orientation %d (%v): pixel (%d,%d) = %v, want %v", o, bo, c.x, c.y, got, c.want)
				}
			}
		}
	}
}

func TestPNGAlphaKept(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 400, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 400; x++ {
			if x >= 200 {
				m.SetNRGBA(x, y, color.NRGBA{200, 30, 30, 255})
			} // left half stays fully transparent
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, m)
	res, err := Make(buf.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != PNG || res.ContentType != "image/png" {
		t.Fatalf("got %s %s, want png", res.Format, res.ContentType)
	}
	out := decodeResult(t, res)
	if _, _, _, a := out.At(20, 100).RGBA(); a != 0 {
		t.Errorf("transparent side has alpha %d", a)
	}
	if !near(out.At(180, 100), color.NRGBA{200, 30, 30, 255}, 2) {
		t.Errorf("opaque side is %v", out.At(180, 100))
	}
	// The edge must not darken: colour stays red where alpha is partial.
	c := color.NRGBAModel.Convert(out.At(100, 100)).(color.NRGBA)
	if c.A > 0 && c.R < 190 {
		t.Errorf("edge pixel darkened by transparent neighbours: %v", c)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		file       string
		wantFormat Format
		gray       bool
	}{
		{"video-001.jpeg", JPEG, false},
		{"video-001.cmyk.jpeg", JPEG, false},
		{"video-005.gray.jpeg", JPEG, true},
		{"video-001.png", PNG, false},
		{"video-001.gif", GIF, false},
		{"video-001.interlaced.gif", GIF, false},
		{"blue-purple-pink.lossy.webp", JPEG, false},
		{"video-001.bmp", JPEG, false}, // SPEC: every input but JPEG, PNG and GIF becomes JPEG
		{"video-001.tiff", JPEG, false},
		{"video-001.rgb.jpeg", JPEG, false},
		{"yellow_rose.lossy-with-alpha.webp", PNG, false},
		{"video-001-gray.tiff", JPEG, true},
		{"bmp_8bpp.bmp", JPEG, false},
		{"yellow_rose-small-v5.bmp", PNG, false}, // 32-bit with alpha
	}
	for _, tc := range tests {
		data := corpusFile(t, tc.file)
		res, err := Make(data, Options{MaxSize: 50})
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if res.Format != tc.wantFormat || res.ContentType != "image/"+string(tc.wantFormat) {
			t.Errorf("%s: wrote %s (%s), want %s", tc.file, res.Format, res.ContentType, tc.wantFormat)
		}
		m := decodeResult(t, res)
		if _, isGray := m.(*image.Gray); isGray != tc.gray {
			t.Errorf("%s: gray output %v, want %v", tc.file, isGray, tc.gray)
		}
	}
}

// TestPNGSuiteKinds checks paletted, 16-bit and gray+alpha sources keep their
// look: the thumbnail's mean colour matches the source's within a few levels.
func TestPNGSuiteKinds(t *testing.T) {
	for _, name := range []string{"basn3p08.png", "basn6a16.png", "basn4a16.png", "basn0g16.png", "basn2c16.png", "basn3p04.png", "ftbbn3p08.png", "basn3p08-trns.png"} {
		data := testkit.Read(t, testkit.GoImage("png", "testdata", "pngsuite", name))
		src, _ := png.Decode(bytes.NewReader(data))
		res, err := Make(data, Options{MaxSize: 16})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Format != PNG {
			t.Errorf("%s: wrote %s", name, res.Format)
		}
		out := decodeResult(t, res)
		if d := meanDiff(src, out); d > 6 {
			t.Errorf("%s: mean colour differs by %.1f levels", name, d)
		}
	}
}

func meanDiff(a, b image.Image) float64 {
	mean := func(m image.Image) [4]float64 {
		var s [4]float64
		n := 0.0
		for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
			for x := m.Bounds().Min.X; x < m.Bounds().Max.X; x++ {
				r, g, b, a := m.At(x, y).RGBA() // premultiplied
				s[0] += float64(r >> 8)
				s[1] += float64(g >> 8)
				s[2] += float64(b >> 8)
				s[3] += float64(a >> 8)
				n++
			}
		}
		for i := range s {
			s[i] /= n
		}
		return s
	}
	ma, mb := mean(a), mean(b)
	d := 0.0
	for i := range ma {
		d = math.Max(d, math.Abs(ma[i]-mb[i]))
	}
	return d
}

func TestGIFFirstFrameAndPalette(t *testing.T) {
	pal := color.Palette{color.NRGBA{0, 0, 0, 0}, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}}
	a := image.NewPaletted(image.Rect(0, 0, 300, 300), pal)
	for i := range a.Pix {
		a.Pix[i] = 1 // red
	}
	b := image.NewPaletted(image.Rect(0, 0, 300, 300), pal)
	for i := range b.Pix {
		b.Pix[i] = 2 // blue
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{a, b}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	res, err := Make(buf.Bytes(), Options{MaxSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := decodeResult(t, res)
	if res.Format != GIF || !near(out.At(50, 50), color.NRGBA{255, 0, 0, 255}, 0) {
		t.Fatalf("got %s with %v, want the red first frame as GIF", res.Format, out.At(50, 50))
	}
}

func TestNoEnlarge(t *testing.T) {
	res, err := Make(testkit.Read(t, testkit.GoImage("png", "testdata", "pngsuite", "basn2c08.png")), Options{MaxSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 32 || res.Height != 32 {
		t.Fatalf("32x32 source became %dx%d", res.Width, res.Height)
	}
}

func TestIdempotent(t *testing.T) {
	data := testkit.ReadCorpus(t, "video-001.q50.420.jpeg")
	a, err := Make(data, Options{MaxSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Make(data, Options{MaxSize: 64})
	if !bytes.Equal(a.Data, b.Data) {
		t.Fatal("the same input gave two different thumbnails")
	}
}

func TestSniffIgnoresName(t *testing.T) {
	for _, c := range []struct {
		head string
		want Format
	}{
		{"\xff\xd8\xff\xe0", JPEG}, {"\x89PNG\r\n\x1a\n", PNG}, {"GIF89a", GIF}, {"GIF87a", GIF},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", WebP}, {"BM\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", BMP},
		{"II*\x00", TIFF}, {"MM\x00*", TIFF}, {"<svg", ""}, {"", ""}, {"\x00\x00\x00\x1cftypheic", ""},
	} {
		if got := Sniff([]byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q) = %q, want %q", c.head, got, c.want)
		}
	}
}

func TestFitSize(t *testing.T) {
	for _, c := range []struct{ w, h, max, tw, th int }{
		{4000, 3000, 200, 200, 150}, {3000, 4000, 200, 150, 200}, {100, 50, 200, 100, 50},
		{10000, 1, 200, 200, 1}, {1, 10000, 200, 1, 200}, {5640, 3172, 200, 200, 112}, {200, 200, 200, 200, 200},
	} {
		if tw, th := fitSize(c.w, c.h, c.max); tw != c.tw || th != c.th {
			t.Errorf("fitSize(%d,%d,%d) = %d,%d want %d,%d", c.w, c.h, c.max, tw, th, c.tw, c.th)
		}
	}
}
