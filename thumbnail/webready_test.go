package thumbnail

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/disintegration/imaging"
	xwebp "golang.org/x/image/webp"
)

// cameraExif is an EXIF block as a phone writes one: its make, an
// orientation, and a GPS directory (latitude 37.5665 N).
func cameraExif(o int) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	// IFD0 at 8: Make (ASCII at 50), Orientation, GPSInfo (at 60).
	binary.Write(&b, le, uint16(3))
	for _, e := range [][4]uint32{{271, 2, 8, 50}, {0x0112, 3, 1, uint32(o)}, {0x8825, 4, 1, 60}} {
		binary.Write(&b, le, uint16(e[0]))
		binary.Write(&b, le, uint16(e[1]))
		binary.Write(&b, le, e[2])
		binary.Write(&b, le, e[3])
	}
	binary.Write(&b, le, uint32(0))
	b.WriteString("TestCam\x00") // 50..58
	b.Write([]byte{0, 0})
	// GPS IFD at 60: LatitudeRef "N", Latitude (3 rationals at 90).
	binary.Write(&b, le, uint16(2))
	for _, e := range [][4]uint32{{1, 2, 2, 'N'}, {2, 5, 3, 90}} {
		binary.Write(&b, le, uint16(e[0]))
		binary.Write(&b, le, uint16(e[1]))
		binary.Write(&b, le, e[2])
		binary.Write(&b, le, e[3])
	}
	binary.Write(&b, le, uint32(0))
	for _, v := range []uint32{37, 1, 33, 1, 599400, 10000} {
		binary.Write(&b, le, v)
	}
	return b.Bytes()
}

// fakeICC is a profile header of colour space space ("RGB ", "CMYK").
func fakeICC(space string) []byte {
	p := make([]byte, 132)
	binary.BigEndian.PutUint32(p, uint32(len(p)))
	copy(p[12:], "mntr")
	copy(p[16:], space)
	copy(p[20:], "XYZ ")
	copy(p[36:], "acsp")
	for i := 128; i < 132; i++ {
		p[i] = 0 // no tags
	}
	return p
}

// cameraJPEG is m as a camera stores it, with exif and icc.
func cameraJPEG(t *testing.T, m image.Image, exif, icc []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), jpegSegments(exif, icc)...), b[2:]...)
}

// TestPlanWebReady: what a picture's header decides.
func TestPlanWebReady(t *testing.T) {
	for _, c := range []struct {
		info   Info
		opt    PrepareOptions
		recode bool
		web    bool
		f      Format
		w, h   int
	}{
		{Info{JPEG, 4032, 3024, 1}, PrepareOptions{MaxSide: 2048}, true, false, JPEG, 2048, 1536},
		{Info{JPEG, 4032, 3024, 6}, PrepareOptions{MaxSide: 2048, Format: WebP}, true, false, WebP, 1536, 2048},
		{Info{JPEG, 2000, 1000, 1}, PrepareOptions{MaxSide: 2048}, false, false, JPEG, 2000, 1000}, // within: byte for byte
		{Info{JPEG, 2000, 1000, 1}, PrepareOptions{Format: JPEG}, false, false, JPEG, 2000, 1000},
		{Info{PNG, 800, 600, 1}, PrepareOptions{Format: WebP}, true, false, WebP, 800, 600},
		{Info{PNG, 4000, 600, 1}, PrepareOptions{MaxSide: 2000}, true, false, PNG, 2000, 300},
		{Info{HEIF, 4032, 3024, 1}, PrepareOptions{WebCopy: true}, false, true, HEIF, 4032, 3024},
		{Info{HEIF, 4032, 3024, 1}, PrepareOptions{}, false, false, HEIF, 4032, 3024},
		{Info{HEIF, 4032, 3024, 1}, PrepareOptions{MaxSide: 2048, WebCopy: true}, true, false, JPEG, 2048, 1536},
		{Info{TIFF, 100, 100, 1}, PrepareOptions{WebCopy: true, MaxSide: 2048}, false, true, TIFF, 100, 100},
		{Info{AVIF, 100, 100, 1}, PrepareOptions{WebCopy: true}, false, false, AVIF, 100, 100},
		{Info{GIF, 4000, 4000, 1}, PrepareOptions{MaxSide: 100, Format: WebP}, false, false, GIF, 4000, 4000},
	} {
		p := Plan(c.info, c.opt)
		if p.Recode != c.recode || p.WebCopy != c.web || p.Format != c.f || p.Width != c.w || p.Height != c.h {
			t.Errorf("%+v %+v: %+v", c.info, c.opt, p)
		}
	}
}

// TestPrepareOrientsAndCarriesMetadata: a phone JPEG stored sideways
// (orientation 6) with GPS and a colour profile, made a smaller WebP and
// JPEG: upright pixels, orientation 1, no GPS, camera and profile kept.
func TestPrepareOrientsAndCarriesMetadata(t *testing.T) {
	upright := quadrants(80, 120)
	stored := imaging.Rotate90(upright) // what orientation 6 turns upright
	icc := fakeICC("RGB ")
	data := cameraJPEG(t, stored, cameraExif(6), icc)
	red, green := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}
	blue, white := color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 255, 255, 255}
	info, err := Inspect(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{WebP, JPEG} {
		opt := PrepareOptions{MaxSide: 60, Format: f, StripLocation: true}
		plan := Plan(info, opt)
		var out bytes.Buffer
		p, _, err := Prepare(data, opt, plan, &out, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.Format != f || p.Width != 40 || p.Height != 60 || p.Bytes != int64(out.Len()) || p.ICC != "kept" || !p.LocationRemoved {
			t.Errorf("%s: %+v", f, p)
		}
		var m image.Image
		if f == WebP {
			m, err = xwebp.Decode(bytes.NewReader(out.Bytes()))
		} else {
			m, err = jpeg.Decode(bytes.NewReader(out.Bytes()))
		}
		if err != nil {
			t.Fatalf("%s does not decode: %v", f, err)
		}
		if b := m.Bounds(); b.Dx() != 40 || b.Dy() != 60 {
			t.Fatalf("%s is %v", f, b)
		}
		for _, c := range []struct {
			x, y int
			want color.NRGBA
		}{{6, 6, red}, {34, 6, green}, {6, 54, blue}, {34, 54, white}} {
			if got := m.At(c.x, c.y); !near(got, c.want, 48) {
				t.Errorf("%s: pixel (%d,%d) = %v, want %v (not upright)", f, c.x, c.y, got, c.want)
			}
		}
		meta := readMeta(f, out.Bytes())
		if o := tiffOrientation(meta.exif); o != 1 {
			t.Errorf("%s: orientation %d left in its EXIF", f, o)
		}
		d, ok := readTIFFDir(bytes.NewReader(meta.exif), int64(len(meta.exif)))
		if !ok {
			t.Fatalf("%s: no EXIF", f)
		}
		if _, _, has := d.find(tagGPSIFD); has || bytes.Contains(meta.exif, []byte{37, 0, 0, 0, 1, 0, 0, 0, 33}) {
			t.Errorf("%s: GPS left", f)
		}
		if !bytes.Contains(meta.exif, []byte("TestCam")) {
			t.Errorf("%s: the camera's make was lost", f)
		}
		if !bytes.Equal(meta.icc, icc) {
			t.Errorf("%s: profile %d bytes, want the %d of the source", f, len(meta.icc), len(icc))
		}
	}
	// strip_location off: the location stays (the setting still holds).
	opt := PrepareOptions{MaxSide: 60}
	var out bytes.Buffer
	if _, _, err := Prepare(data, opt, Plan(info, opt), &out, nil); err != nil {
		t.Fatal(err)
	}
	if d, _ := readTIFFDir(bytes.NewReader(jpegExif(out.Bytes())), int64(len(jpegExif(out.Bytes())))); d == nil {
		t.Fatal("no EXIF")
	} else if _, _, has := d.find(tagGPSIFD); !has {
		t.Error("strip_location off, yet the GPS directory was taken out")
	}
}

// TestPrepareProfilesOfOtherSpaces: a CMYK profile is not put on RGB
// pixels; a transparent PNG asked as JPEG stays PNG, its alpha kept.
func TestPrepareProfilesOfOtherSpaces(t *testing.T) {
	data := cameraJPEG(t, quadrants(200, 100), nil, fakeICC("CMYK"))
	info, _ := Inspect(data, Options{})
	opt := PrepareOptions{MaxSide: 100, Format: JPEG}
	var out bytes.Buffer
	p, _, err := Prepare(data, opt, Plan(info, opt), &out, nil)
	if err != nil || p.ICC != "dropped (CMYK)" || jpegICC(out.Bytes()) != nil {
		t.Errorf("CMYK profile: %+v %v", p, err)
	}

	m := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i-3], m.Pix[i] = 200, uint8(i/4%300*255/299) // red fading in
	}
	var pb bytes.Buffer
	png.Encode(&pb, m)
	info, _ = Inspect(pb.Bytes(), Options{})
	out.Reset()
	p, _, err = Prepare(pb.Bytes(), opt, Plan(info, opt), &out, nil)
	if err != nil || p.Format != PNG || p.Width != 100 || p.ICC != "none" {
		t.Fatalf("transparent PNG asked as JPEG: %+v %v", p, err)
	}
	got, err := png.Decode(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := got.At(1, 30).RGBA(); a>>8 > 10 {
		t.Errorf("left edge alpha %d: transparency lost", a>>8)
	}
}

// TestWebCopyOfTIFF: a TIFF kept as it is gets a full-size JPEG, upright,
// without its location.
func TestWebCopyOfTIFF(t *testing.T) {
	data, _, _ := gpsTIFF(64, 48)
	info, err := Inspect(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	opt := PrepareOptions{WebCopy: true, MaxSide: 2048}
	plan := Plan(info, opt)
	if plan.Recode || !plan.WebCopy {
		t.Fatalf("plan %+v", plan)
	}
	var web bytes.Buffer
	orig, wc, err := Prepare(data, opt, plan, nil, &web)
	if err != nil || orig != nil || wc == nil || wc.Format != JPEG || wc.Width != 64 || wc.Height != 48 {
		t.Fatalf("%+v %+v %v", orig, wc, err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(web.Bytes())); err != nil {
		t.Fatal(err)
	}
}

// TestPrepareJPEGEveryOrientation: the Y'CbCr path turns each of the
// eight EXIF orientations upright, as the thumbnails do.
func TestPrepareJPEGEveryOrientation(t *testing.T) {
	upright := quadrants(120, 80)
	inverse := map[int]func(image.Image) *image.NRGBA{
		1: imaging.Clone, 2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV,
		5: imaging.Transpose, 6: imaging.Rotate90, 7: imaging.Transverse, 8: imaging.Rotate270,
	}
	red, green := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}
	blue, white := color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 255, 255, 255}
	for o := 1; o <= 8; o++ {
		data := jpegWithOrientation(t, inverse[o](upright), o, binary.BigEndian)
		info, _ := Inspect(data, Options{})
		opt := PrepareOptions{MaxSide: 60}
		var out bytes.Buffer
		p, _, err := Prepare(data, opt, Plan(info, opt), &out, nil)
		if err != nil || p.Width != 60 || p.Height != 40 {
			t.Fatalf("orientation %d: %+v %v", o, p, err)
		}
		m, err := jpeg.Decode(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			x, y int
			want color.NRGBA
		}{{8, 8, red}, {52, 8, green}, {8, 32, blue}, {52, 32, white}} {
			if got := m.At(c.x, c.y); !near(got, c.want, 48) {
				t.Errorf("orientation %d: pixel (%d,%d) = %v, want %v", o, c.x, c.y, got, c.want)
			}
		}
	}
}
