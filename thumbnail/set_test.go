package thumbnail

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/thumbnail/vp8enc"
)

// TestMakeSet: the thumbnail, a copy per width the picture reaches (never
// enlarged), and a WebP twin of each, with the right sizes and formats.
func TestMakeSet(t *testing.T) {
	data := testkit.ReadCorpus(t, "video-001.jpeg") // 150x103
	pieces, err := MakeSet(data, Options{MaxSize: 40, Widths: []int{100, 640, 100, 30}, WebP: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		width, w, h int
		webp        bool
	}{{0, 40, 27, false}, {0, 40, 27, true}, {100, 100, 69, false}, {100, 100, 69, true}}
	if len(pieces) != len(want) {
		t.Fatalf("%d pieces, want %d (640 is wider than the picture; 30 is under the thumbnail)", len(pieces), len(want))
	}
	for i, p := range pieces {
		w := want[i]
		if p.Width != w.width || p.WebP != w.webp || p.Result.Width != w.w || p.Result.Height != w.h {
			t.Errorf("piece %d: width %d webp %v %dx%d, want %+v", i, p.Width, p.WebP, p.Result.Width, p.Result.Height, w)
		}
		var m image.Image
		if p.WebP {
			m, err = webp.Decode(bytes.NewReader(p.Data))
			if p.ContentType != "image/webp" {
				t.Errorf("piece %d: %s", i, p.ContentType)
			}
		} else {
			m, _, err = image.Decode(bytes.NewReader(p.Data))
			if p.ContentType != "image/jpeg" {
				t.Errorf("piece %d: %s", i, p.ContentType)
			}
		}
		if err != nil || m.Bounds().Dx() != w.w || m.Bounds().Dy() != w.h {
			t.Errorf("piece %d decodes to %v (%v)", i, m.Bounds(), err)
		}
	}
}

// BenchmarkSet12MP: the 12 MP photo to a thumbnail, 640w and 1280w copies
// and WebP twins of all three, against the thumbnail alone.
func BenchmarkSet12MP(b *testing.B) {
	data := testkit.ReadPhoto(b, "Elephants_12MP.jpg")
	MakeSet(data, Options{Widths: []int{640}, WebP: true}) // compile the encoder
	b.Run("thumbnail", func(b *testing.B) {
		for b.Loop() {
			Make(data, Options{})
		}
	})
	b.Run("set", func(b *testing.B) {
		for b.Loop() {
			MakeSet(data, Options{Widths: []int{640, 1280}, WebP: true})
		}
	})
}

// TestWebPInputColours: a lossy WebP's planes are in BT.601's limited
// range; read as if full range, every WebP thumbnail came out washed out
// (200,100,50 became about 190,102,58).
func TestWebPInputColours(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := 0; i < len(m.Pix); i += 4 {
		copy(m.Pix[i:], []byte{200, 100, 50, 255})
	}
	data, err := encodeWebP(m, 95)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Make(data, Options{MaxSize: 32})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := image.Decode(bytes.NewReader(res.Data))
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := got.At(16, 16).RGBA()
	for i, c := range []struct{ got, want uint32 }{{r >> 8, 200}, {g >> 8, 100}, {b >> 8, 50}} {
		if d := int(c.got) - int(c.want); d < -4 || d > 4 {
			t.Errorf("channel %d: %d, want %d±4 (thumbnail of a WebP is %d,%d,%d)", i, c.got, c.want, r>>8, g>>8, b>>8)
		}
	}
}

// TestMakeSetTallScreenshot: a copy taller than a WebP frame can be (a
// long scrolling screenshot) has no twin; the rest of the set is made.
func TestMakeSetTallScreenshot(t *testing.T) {
	testkit.Heavy(t, "a 22 MP picture")
	m := image.NewGray(image.Rect(0, 0, 1100, 20000))
	for y := 0; y < 20000; y++ {
		for x := 0; x < 1100; x++ {
			m.Pix[y*m.Stride+x] = uint8(x/40*9 + y/100)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	pieces, err := MakeSet(buf.Bytes(), Options{Widths: []int{1000}, WebP: true, MaxMemory: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pieces {
		got = append(got, fmt.Sprintf("%d:%v:%dx%d", p.Width, p.WebP, p.Result.Width, p.Result.Height))
		if p.Result.Height > vp8enc.MaxSide && p.WebP {
			t.Errorf("a WebP twin %d px tall", p.Result.Height)
		}
	}
	if want := "[0:false:11x200 0:true:11x200 1000:false:1000x18182]"; fmt.Sprint(got) != want {
		t.Errorf("pieces %v, want %s", got, want)
	}
}

// TestMakeSetNeverEnlarges: a picture narrower than every width gets only
// its thumbnail (and twin); one under the thumbnail box keeps its size.
func TestMakeSetNeverEnlarges(t *testing.T) {
	data := testkit.ReadCorpus(t, "video-001.jpeg") // 150x103
	pieces, err := MakeSet(data, Options{Widths: []int{640, 1280}, WebP: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(pieces) != 2 {
		t.Fatalf("%d pieces, want the thumbnail and its twin", len(pieces))
	}
	for _, p := range pieces {
		if p.Width != 0 || p.Result.Width != 150 || p.Result.Height != 103 {
			t.Errorf("piece width %d: %dx%d, want the thumbnail at 150x103", p.Width, p.Result.Width, p.Result.Height)
		}
	}
}

// TestMakeSetOrientation: copies of a rotated photo are upright, each
// width measured on the picture as displayed, each quadrant in its place.
func TestMakeSetOrientation(t *testing.T) {
	upright := quadrants(120, 80) // displayed 120x80, stored 80x120
	data := jpegWithOrientation(t, imaging.Rotate90(upright), 6, binary.BigEndian)
	pieces, err := MakeSet(data, Options{MaxSize: 30, Widths: []int{100, 60}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]int{{0, 30, 20}, {60, 60, 40}, {100, 100, 67}}
	if len(pieces) != len(want) {
		t.Fatalf("%d pieces, want %d", len(pieces), len(want))
	}
	red, white := color.NRGBA{255, 0, 0, 255}, color.NRGBA{255, 255, 255, 255}
	for i, p := range pieces {
		if p.Width != want[i][0] || p.Result.Width != want[i][1] || p.Result.Height != want[i][2] {
			t.Errorf("piece %d: width %d %dx%d, want %v", i, p.Width, p.Result.Width, p.Result.Height, want[i])
			continue
		}
		m := decodeResult(t, p.Result)
		w, h := p.Result.Width, p.Result.Height
		if got := m.At(w/8, h/8); !near(got, red, 40) {
			t.Errorf("piece %d: top left %v, want red", i, got)
		}
		if got := m.At(w-1-w/8, h-1-h/8); !near(got, white, 40) {
			t.Errorf("piece %d: bottom right %v, want white", i, got)
		}
	}
}
