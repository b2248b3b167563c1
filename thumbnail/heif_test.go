package thumbnail

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// marked writes a 400x240 picture, blue with a red block in its top-left
// corner, as an RGB PNG and a JPEG: where the block lands shows how the
// picture was turned.
func marked(t *testing.T, dir string) (pngPath, jpgPath string) {
	t.Helper()
	pngPath, jpgPath = filepath.Join(dir, "marked.png"), filepath.Join(dir, "marked.jpg")
	run(t, "convert", "-size", "400x240", "xc:blue", "-fill", "red", "-draw", "rectangle 0,0 119,59", "PNG24:"+pngPath)
	run(t, "convert", pngPath, "-quality", "95", jpgPath)
	return
}

// corner says which corner of m is red: "tl", "tr", "bl" or "br".
func corner(t *testing.T, m image.Image) string {
	t.Helper()
	b := m.Bounds()
	at := map[string]image.Point{"tl": {b.Min.X + 2, b.Min.Y + 2}, "tr": {b.Max.X - 3, b.Min.Y + 2},
		"bl": {b.Min.X + 2, b.Max.Y - 3}, "br": {b.Max.X - 3, b.Max.Y - 3}}
	found := ""
	for name, p := range at {
		c := color.NRGBAModel.Convert(m.At(p.X, p.Y)).(color.NRGBA)
		if c.R > 180 && c.B < 80 {
			if found != "" {
				t.Fatalf("red in %s and %s", found, name)
			}
			found = name
		}
	}
	return found
}

func decodeFile(t *testing.T, p string) image.Image {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHEICAndAVIFFromRealEncoders: files made by libheif's heif-enc and
// libavif's avifenc, plain, rotated and mirrored with 'irot'/'imir', or
// with an EXIF orientation, become JPEG thumbnails turned the way
// heif-convert (libheif, which applies the transforms) shows them.
func TestHEICAndAVIFFromRealEncoders(t *testing.T) {
	testkit.Need(t, "heif-enc", "avifenc", "heif-convert", "exiftool", "convert")
	dir := t.TempDir()
	pngPath, jpgPath := marked(t, dir)
	rotated := filepath.Join(dir, "rot6.jpg")
	run(t, "cp", jpgPath, rotated)
	run(t, "exiftool", "-q", "-overwrite_original", "-Orientation#=6", rotated)

	cases := []struct {
		name   string
		make   []string // the encoder and its arguments; "OUT" is the output
		format Format
		w, h   int    // thumbnail size
		red    string // the corner the red block shows in
	}{
		{"plain.heic", []string{"heif-enc", "-q", "90", pngPath, "-o", "OUT"}, HEIF, 200, 120, "tl"},
		{"exif6.heic", []string{"heif-enc", "-q", "90", rotated, "-o", "OUT"}, HEIF, 120, 200, "tr"},
		{"plain.avif", []string{"avifenc", pngPath, "OUT"}, AVIF, 200, 120, "tl"},
		{"irot1.avif", []string{"avifenc", "--irot", "1", pngPath, "OUT"}, AVIF, 120, 200, "bl"},
		{"imir1.avif", []string{"avifenc", "--imir", "1", pngPath, "OUT"}, AVIF, 200, 120, "tr"},
		{"imir0.avif", []string{"avifenc", "--imir", "0", pngPath, "OUT"}, AVIF, 200, 120, "bl"},
		{"irot1imir0.avif", []string{"avifenc", "--irot", "1", "--imir", "0", pngPath, "OUT"}, AVIF, 120, 200, "tl"},
		{"exif6.avif", []string{"avifenc", rotated, "OUT"}, AVIF, 120, 200, "tr"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name)
			args := append([]string{}, c.make[1:]...)
			for i, a := range args {
				if a == "OUT" {
					args[i] = out
				}
			}
			run(t, c.make[0], args...)
			data, _ := os.ReadFile(out)
			if f := Sniff(data); f != c.format {
				t.Fatalf("sniffed %q, want %q", f, c.format)
			}
			if ct := c.format.ContentType(); ct != "image/"+map[Format]string{HEIF: "heic", AVIF: "avif"}[c.format] {
				t.Fatalf("content type %s", ct)
			}
			res, err := Make(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != JPEG || res.Width != c.w || res.Height != c.h {
				t.Fatalf("thumbnail %dx%d %s, want %dx%d jpeg", res.Width, res.Height, res.Format, c.w, c.h)
			}
			m, _, _ := image.Decode(bytes.NewReader(res.Data))
			if got := corner(t, m); got != c.red {
				t.Errorf("red block in %q, want %q", got, c.red)
			}
			// heif-convert applies irot/imir; for the EXIF-only HEIC it
			// shows the picture as stored (EXIF is informative in HEIF),
			// where thumbdrop turns it as a camera JPEG would be.
			if c.name != "exif6.heic" {
				ref := filepath.Join(dir, c.name+".ref.png")
				run(t, "heif-convert", out, ref)
				if got := corner(t, decodeFile(t, ref)); got != c.red {
					t.Errorf("heif-convert shows the block in %q, the test expects %q", got, c.red)
				}
			}
		})
	}
}

// TestHEICTooSmallRefused: HEICs under 97 pixels on a side are refused,
// not thumbnailed with skewed colours.
func TestHEICTooSmallRefused(t *testing.T) {
	testkit.Need(t, "heif-enc", "convert")
	dir := t.TempDir()
	p := filepath.Join(dir, "tiny.png")
	run(t, "convert", "-size", "60x40", "xc:blue", "PNG24:"+p)
	run(t, "heif-enc", "-q", "90", p, "-o", filepath.Join(dir, "tiny.heic"))
	data, _ := os.ReadFile(filepath.Join(dir, "tiny.heic"))
	if _, err := Make(data, Options{}); !IsPermanent(err) {
		t.Fatalf("tiny HEIC: %v", err)
	}
}

// withIrot returns an HEIF file with an 'irot' property (angle quarter
// turns anticlockwise) added to its primary item, as iPhones write for
// portrait photos: the property is appended to 'ipco', associated in
// 'ipma' (essential), the enclosing boxes grown, and every 'iloc' extent
// after 'meta' moved by the bytes added.
func withIrot(t *testing.T, d []byte, angle byte) []byte {
	t.Helper()
	top, err := boxes(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := find(top, "meta")
	kids, _ := boxes(meta.body[4:], meta.off+4)
	iprp, _ := find(kids, "iprp")
	ip, _ := boxes(iprp.body, iprp.off)
	ipco, _ := find(ip, "ipco")
	ipma, _ := find(ip, "ipma")
	props, _ := boxes(ipco.body, ipco.off)
	primary := 0
	if p, ok := find(kids, "pitm"); ok {
		primary = int(binary.BigEndian.Uint16(p.body[4:]))
	}
	const grow = 10 // 9 bytes of irot box, 1 association byte
	metaEnd := meta.off + len(meta.body)
	out := append([]byte{}, d...)
	// Move iloc extents that point past meta.
	iloc, _ := find(kids, "iloc")
	b := out[iloc.off : iloc.off+len(iloc.body)]
	version, offSize, lenSize, baseSize := b[0], int(b[4]>>4), int(b[4]&15), int(b[5]>>4)
	idxSize := 0
	if version >= 1 {
		idxSize = int(b[5] & 15)
	}
	get := func(i, n int) int {
		v := 0
		for k := 0; k < n; k++ {
			v = v<<8 | int(b[i+k])
		}
		return v
	}
	put := func(i, n, v int) {
		for k := n - 1; k >= 0; k-- {
			b[i+k] = byte(v)
			v >>= 8
		}
	}
	i := 6
	count := get(i, 2)
	i += 2
	for e := 0; e < count; e++ {
		i += 2 // item id (version < 2)
		method := 0
		if version >= 1 {
			method = get(i, 2) & 15
			i += 2
		}
		i += 2 // data reference index
		base := get(i, baseSize)
		if method == 0 && baseSize > 0 && base >= metaEnd {
			put(i, baseSize, base+grow)
		}
		i += baseSize
		n := get(i, 2)
		i += 2
		for x := 0; x < n; x++ {
			i += idxSize
			if off := get(i, offSize); method == 0 && baseSize == 0 && off >= metaEnd {
				put(i, offSize, off+grow)
			}
			i += offSize + lenSize
		}
	}
	// The association: find the primary item's entry in ipma.
	m := out[ipma.off : ipma.off+len(ipma.body)]
	j := 8
	insertAt := -1
	for e := 0; e < int(binary.BigEndian.Uint32(m[4:])); e++ {
		item := int(binary.BigEndian.Uint16(m[j:]))
		n := int(m[j+2])
		if item == primary {
			m[j+2]++
			insertAt = ipma.off + j + 3 + n
			break
		}
		j += 3 + n
	}
	if insertAt < 0 || m[3]&1 != 0 {
		t.Fatal("cannot associate irot in this file")
	}
	irot := []byte{0, 0, 0, 9, 'i', 'r', 'o', 't', angle}
	idx := byte(len(props) + 1)
	ipcoEnd := ipco.off + len(ipco.body)
	// Splice: irot at the end of ipco, the association byte in ipma.
	var res []byte
	switch {
	case ipcoEnd <= insertAt:
		res = append(res, out[:ipcoEnd]...)
		res = append(res, irot...)
		res = append(res, out[ipcoEnd:insertAt]...)
		res = append(res, 0x80|idx)
		res = append(res, out[insertAt:]...)
	default:
		res = append(res, out[:insertAt]...)
		res = append(res, 0x80|idx)
		res = append(res, out[insertAt:ipcoEnd]...)
		res = append(res, irot...)
		res = append(res, out[ipcoEnd:]...)
	}
	// Grow the headers: meta, iprp, ipco (+9), ipma (+1).
	grow32 := func(off, by int) {
		hdr := off - 8
		if ipcoEnd <= insertAt && hdr >= ipcoEnd {
			hdr += 9
		}
		binary.BigEndian.PutUint32(res[hdr:], binary.BigEndian.Uint32(res[hdr:])+uint32(by))
	}
	grow32(meta.off, grow)
	grow32(iprp.off, grow)
	grow32(ipco.off, 9)
	grow32(ipma.off, 1)
	return res
}

// TestHEICIrot: an HEIC whose primary item carries 'irot' (as iPhone
// portraits do) is shown turned, libheif applying it, and the thumbnail
// says so.
func TestHEICIrot(t *testing.T) {
	testkit.Need(t, "heif-enc", "heif-convert", "convert")
	dir := t.TempDir()
	pngPath, _ := marked(t, dir)
	plain := filepath.Join(dir, "plain.heic")
	run(t, "heif-enc", "-q", "90", pngPath, "-o", plain)
	data, _ := os.ReadFile(plain)
	for angle, want := range map[byte]string{1: "bl", 3: "tr", 2: "br"} {
		d := withIrot(t, data, angle)
		p := filepath.Join(dir, fmt.Sprintf("irot%d.heic", angle))
		os.WriteFile(p, d, 0o644)
		ref := p + ".png"
		run(t, "heif-convert", p, ref)
		if got := corner(t, decodeFile(t, ref)); got != want {
			t.Fatalf("irot %d: heif-convert shows red in %q, want %q (the test file is wrong)", angle, got, want)
		}
		res, err := Make(d, Options{})
		if err != nil {
			t.Fatalf("irot %d: %v", angle, err)
		}
		m, _, _ := image.Decode(bytes.NewReader(res.Data))
		w, h := 200, 120
		if angle != 2 {
			w, h = 120, 200
		}
		if res.Width != w || res.Height != h || corner(t, m) != want {
			t.Errorf("irot %d: %dx%d red in %q, want %dx%d %q", angle, res.Width, res.Height, corner(t, m), w, h, want)
		}
	}
}

// BenchmarkFile thumbnails the file named by THUMBDROP_BENCH_FILE (for
// bench/heif.sh: warm, the decoder compiled before the timer starts).
func BenchmarkFile(b *testing.B) {
	p := os.Getenv("THUMBDROP_BENCH_FILE")
	if p == "" {
		b.Skip("THUMBDROP_BENCH_FILE not set")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Make(data, Options{}); err != nil { // compiles the decoder
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Make(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
