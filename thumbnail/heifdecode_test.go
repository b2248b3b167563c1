package thumbnail

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// heifFixture encodes the 1000x600 marked picture (blue, a red block in
// its top-left corner) with heif-enc and the given arguments.
func heifFixture(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	png := filepath.Join(dir, "big.png")
	if _, err := os.Stat(png); err != nil {
		run(t, "convert", "-size", "1000x600", "gradient:navy-blue", "-fill", "red", "-draw", "rectangle 0,0 299,179", "PNG24:"+png)
	}
	out := filepath.Join(dir, name)
	run(t, "heif-enc", append(append([]string{"-q", "90"}, args...), png, "-o", out)...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spoilPrimary overwrites the primary item's coded data (or its tiles')
// with zeros: a decode of the primary then fails, a decode of the
// thumbnail item does not.
func spoilPrimary(t *testing.T, d []byte) []byte {
	t.Helper()
	h, err := parseHEIF(d)
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(d)
	items := []heifItem{h.primary}
	if h.grid != nil {
		items = h.grid.tiles
	}
	for _, it := range items {
		for _, e := range it.loc.extents {
			clear(out[e.off : e.off+e.len])
		}
	}
	return out
}

// TestHEIFThumbnailItem: an HEIC made by heif-enc -t 320 has a 320x192
// thumbnail item ('thmb'). A 200 px thumbnail is made from it (the
// primary's data spoilt, it still comes out right), turned by the
// primary's irot, or by EXIF where there is none; a larger size, or a
// file without a thumbnail item, decodes the primary.
func TestHEIFThumbnailItem(t *testing.T) {
	testkit.Need(t, "heif-enc", "convert", "exiftool")
	dir := t.TempDir()
	withThumb := heifFixture(t, dir, "thumb.heic", "-t", "320")
	noThumb := heifFixture(t, dir, "plain.heic")

	bothHEIFDecoders(t, func(t *testing.T) {
		h, err := parseHEIF(withThumb)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.thumbs) != 1 || h.thumbs[0].typ != "hvc1" || h.thumbs[0].width != 320 || h.thumbs[0].height != 192 {
			t.Fatalf("thumbnail items %+v, want one 320x192 hvc1", h.thumbs)
		}
		if h, _ := parseHEIF(noThumb); len(h.thumbs) != 0 {
			t.Fatalf("heif-enc without -t: thumbnail items %+v", h.thumbs)
		}

		make := func(d []byte, size int) (*Result, image.Image, error) {
			res, err := Make(d, Options{MaxSize: size})
			if err != nil {
				return nil, nil, err
			}
			return res, decodeBytes(t, res.Data), nil
		}
		// From the thumbnail item: the primary spoilt does not matter, and
		// the picture matches the one from the primary.
		res, fromThumb, err := make(spoilPrimary(t, withThumb), 200)
		if err != nil {
			t.Fatalf("200 px from the thumbnail item: %v", err)
		}
		if res.Width != 200 || res.Height != 120 || res.SrcWidth != 1000 || res.SrcHeight != 600 || corner(t, fromThumb) != "tl" {
			t.Fatalf("200 px: %dx%d of %dx%d, red in %q", res.Width, res.Height, res.SrcWidth, res.SrcHeight, corner(t, fromThumb))
		}
		_, fromPrimary, err := make(noThumb, 200)
		if err != nil {
			t.Fatal(err)
		}
		if db := psnr(fromThumb, fromPrimary); db < 30 {
			t.Errorf("thumbnail item vs primary: %.1f dB", db)
		}
		// Larger than the thumbnail item (320): the primary, which is spoilt.
		if _, _, err := make(spoilPrimary(t, withThumb), 400); !IsPermanent(err) {
			t.Fatalf("400 px from a spoilt primary: %v, want it refused as damaged", err)
		}
		if res, m, err := make(withThumb, 400); err != nil || res.Width != 400 || res.Height != 240 || corner(t, m) != "tl" {
			t.Fatalf("400 px: %v", err)
		}
		// Without a thumbnail item: the primary.
		if _, _, err := make(spoilPrimary(t, noThumb), 200); !IsPermanent(err) {
			t.Fatalf("no thumbnail item, spoilt primary: %v", err)
		}

		// irot on the primary applies to its thumbnail.
		for angle, want := range map[byte]string{1: "bl", 2: "br", 3: "tr"} {
			d := spoilPrimary(t, withIrot(t, withThumb, angle))
			res, m, err := make(d, 200)
			if err != nil {
				t.Fatalf("irot %d: %v", angle, err)
			}
			w, ht := 120, 200
			if angle == 2 {
				w, ht = 200, 120
			}
			if res.Width != w || res.Height != ht || corner(t, m) != want {
				t.Errorf("irot %d: %dx%d red in %q, want %dx%d %q", angle, res.Width, res.Height, corner(t, m), w, ht, want)
			}
		}
		// EXIF orientation, where there is no irot, too.
		rot := filepath.Join(dir, "rot6.jpg")
		run(t, "convert", filepath.Join(dir, "big.png"), "-quality", "95", rot)
		run(t, "exiftool", "-q", "-overwrite_original", "-Orientation#=6", rot)
		exif := filepath.Join(dir, "exif6.heic")
		run(t, "heif-enc", "-q", "90", "-t", "320", rot, "-o", exif)
		d, _ := os.ReadFile(exif)
		res, m, err := make(spoilPrimary(t, d), 200)
		if err != nil {
			t.Fatalf("EXIF 6: %v", err)
		}
		if res.Width != 120 || res.Height != 200 || corner(t, m) != "tr" {
			t.Errorf("EXIF 6: %dx%d red in %q, want 120x200 tr", res.Width, res.Height, corner(t, m))
		}
	})
}

// TestAVIFThumbnailItem: the same for an AVIF with an AV1 thumbnail item
// (heif-enc -A -t 320).
func TestAVIFThumbnailItem(t *testing.T) {
	testkit.Need(t, "heif-enc", "convert")
	dir := t.TempDir()
	d := heifFixture(t, dir, "thumb.avif", "-A", "-t", "320")
	if f := Sniff(d); f != AVIF {
		t.Fatalf("sniffed %q", f)
	}
	h, _ := parseHEIF(d)
	if len(h.thumbs) != 1 || h.thumbs[0].typ != "av01" {
		t.Fatalf("thumbnail items %+v, want one av01", h.thumbs)
	}
	res, err := Make(spoilPrimary(t, d), Options{MaxSize: 200})
	if err != nil {
		t.Fatalf("200 px from the thumbnail item: %v", err)
	}
	if m := decodeBytes(t, res.Data); res.Width != 200 || res.Height != 120 || corner(t, m) != "tl" {
		t.Fatalf("%dx%d red in %q", res.Width, res.Height, corner(t, m))
	}
	// Larger than the thumbnail item: the primary, whose spoilt data
	// libavif turns into something else than the picture.
	if res, err := Make(spoilPrimary(t, d), Options{MaxSize: 400}); err == nil && corner(t, decodeBytes(t, res.Data)) == "tl" {
		t.Fatal("400 px from a spoilt primary shows the picture")
	}
	if res, err := Make(d, Options{MaxSize: 400}); err != nil || res.Width != 400 || corner(t, decodeBytes(t, res.Data)) != "tl" {
		t.Fatalf("400 px: %v", err)
	}
}

// gridHEIC writes an HEIF whose primary is a rows x cols 'grid' of w x h
// (in 'idat', as iPhones and libheif store it) over hidden tile items,
// each tile's coded data and properties taken from a single-image HEIC.
// With thumb (an HEIC made with heif-enc -t), its thumbnail item becomes
// the grid's, as in an iPhone photo.
func gridHEIC(t testing.TB, tiles [][]byte, rows, cols, w, h int, thumb []byte) []byte {
	t.Helper()
	u16 := func(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
	u32 := func(v int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
	full := func(v, flags byte) []byte { return []byte{v, 0, 0, flags} }
	const gridID = 1
	var infes, ipco, ipma [][]byte
	var payloads [][]byte
	seen := map[string]int{} // identical properties (the tiles' hvcC) stored once
	prop := func(b []byte) int {
		if i, ok := seen[string(b)]; ok {
			return i
		}
		ipco = append(ipco, b)
		seen[string(b)] = len(ipco)
		return len(ipco)
	}
	type assoc struct {
		index     int
		essential bool
	}
	var assocs [][]assoc
	gridIspe := prop(isoBox("ispe", full(0, 0), u32(w), u32(h)))
	infes = append(infes, isoBox("infe", full(2, 0), u16(gridID), u16(0), []byte("grid"), []byte{0}))
	ids := []int{gridID}
	assocs = append(assocs, []assoc{{gridIspe, false}})
	item := func(id int, hidden byte, file []byte, pick func(heifInfo) heifItem) {
		fh, err := parseHEIF(file)
		if err != nil {
			t.Fatal(err)
		}
		it := pick(fh)
		infes = append(infes, isoBox("infe", full(2, hidden), u16(id), u16(0), []byte(it.typ), []byte{0}))
		var as []assoc
		for _, p := range it.props {
			as = append(as, assoc{prop(isoBox(p.typ, p.body)), p.essential})
		}
		ids, assocs = append(ids, id), append(assocs, as)
		payloads = append(payloads, fh.itemData(file, it))
	}
	var dimg []byte
	for i, tile := range tiles {
		item(2+i, 1, tile, func(h heifInfo) heifItem { return h.primary })
		dimg = append(dimg, u16(2+i)...)
	}
	refs := isoBox("dimg", u16(gridID), u16(len(tiles)), dimg)
	if thumb != nil {
		id := 2 + len(tiles)
		item(id, 0, thumb, func(h heifInfo) heifItem { return h.thumbs[0] })
		refs = append(refs, isoBox("thmb", u16(id), u16(1), u16(gridID))...)
	}
	// ipma: 1-byte property indices where they fit (as withIrot needs),
	// else 2-byte.
	var flags byte
	if len(ipco) > 127 {
		flags = 1
	}
	for k, as := range assocs {
		e := append(u16(ids[k]), byte(len(as)))
		for _, a := range as {
			if flags == 1 {
				v := a.index
				if a.essential {
					v |= 0x8000
				}
				e = append(e, u16(v)...)
			} else {
				v := byte(a.index)
				if a.essential {
					v |= 0x80
				}
				e = append(e, v)
			}
		}
		ipma = append(ipma, e)
	}
	descr := []byte{0, 0, byte(rows - 1), byte(cols - 1)}
	descr = append(append(descr, u16(w)...), u16(h)...)
	hdlr := isoBox("hdlr", full(0, 0), u32(0), []byte("pict"), make([]byte, 12), []byte{0})
	pitm := isoBox("pitm", full(0, 0), u16(gridID))
	iinf := isoBox("iinf", append(full(0, 0), u16(len(infes))...), bytes.Join(infes, nil))
	iref := isoBox("iref", full(0, 0), refs)
	iprp := isoBox("iprp", isoBox("ipco", bytes.Join(ipco, nil)), isoBox("ipma", full(0, flags), u32(len(ids)), bytes.Join(ipma, nil)))
	idat := isoBox("idat", descr)
	ftyp := isoBox("ftyp", []byte("heic"), u32(0), []byte("mif1"), []byte("heic"))
	iloc := func(base int) []byte {
		// version 1: construction methods; 4-byte offsets and lengths.
		b := append(full(1, 0), 0x44, 0x00)
		b = append(b, u16(len(ids))...)
		b = append(append(append(append(b, u16(gridID)...), u16(1)...), u16(0)...), u16(1)...)
		b = append(append(b, u32(0)...), u32(len(descr))...)
		off := base
		for i, p := range payloads {
			b = append(append(append(append(b, u16(ids[1+i])...), u16(0)...), u16(0)...), u16(1)...)
			b = append(append(b, u32(off)...), u32(len(p))...)
			off += len(p)
		}
		return isoBox("iloc", b)
	}
	metaLen := 12 + len(hdlr) + len(pitm) + len(iloc(0)) + len(iinf) + len(iref) + len(iprp) + len(idat)
	base := len(ftyp) + metaLen + 8
	meta := isoBox("meta", full(0, 0), hdlr, pitm, iloc(base), iinf, iref, iprp, idat)
	body := bytes.Join(payloads, nil)
	out := append(append(ftyp, meta...), u32(8+len(body))...)
	return append(append(out, "mdat"...), body...)
}

// TestHEIFGrid: a 1000x600 picture stored as a 2x2 grid of 512x512 HEVC
// tiles (cropped at the right and bottom), the layout of iPhone photos:
// libheif (heif-convert) reads the file as made; its tiles, decoded on
// every core and stitched here, give the same picture; irot turns it;
// its thumbnail is right.
func TestHEIFGrid(t *testing.T) {
	testkit.Need(t, "heif-enc", "heif-convert", "convert")
	dir := t.TempDir()
	heifFixture(t, dir, "unused.heic") // writes big.png
	padded := filepath.Join(dir, "padded.png")
	run(t, "convert", filepath.Join(dir, "big.png"), "-background", "white", "-extent", "1024x1024", "PNG24:"+padded)
	var tiles [][]byte
	for i := range 4 {
		p := filepath.Join(dir, fmt.Sprintf("tile%d.png", i))
		run(t, "convert", padded, "-crop", fmt.Sprintf("512x512+%d+%d", i%2*512, i/2*512), "+repage", "PNG24:"+p)
		run(t, "heif-enc", "-q", "90", p, "-o", p+".heic")
		b, _ := os.ReadFile(p + ".heic")
		tiles = append(tiles, b)
	}
	d := gridHEIC(t, tiles, 2, 2, 1000, 600, heifFixture(t, dir, "thumb.heic", "-t", "320"))
	gp := filepath.Join(dir, "grid.heic")
	os.WriteFile(gp, d, 0o644)
	run(t, "heif-convert", gp, gp+".png")
	ref := decodeFile(t, gp+".png")
	if ref.Bounds().Dx() != 1000 || ref.Bounds().Dy() != 600 || corner(t, ref) != "tl" {
		t.Fatalf("heif-convert reads the grid as %v, red in %q (the test file is wrong)", ref.Bounds(), corner(t, ref))
	}

	bothHEIFDecoders(t, func(t *testing.T) {
		h, err := parseHEIF(d)
		if err != nil || h.grid == nil || len(h.grid.tiles) != 4 {
			t.Fatalf("grid not read: %v %+v", err, h.grid)
		}
		m, err := decodeGrid(h, d, "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Bounds() != ref.Bounds() {
			t.Fatalf("stitched %v, want %v", m.Bounds(), ref.Bounds())
		}
		if db := psnr(m, ref); db < 35 {
			t.Errorf("stitched tiles vs heif-convert: %.1f dB", db)
		}
		// Each tile's samples, as the tile alone decodes, in its place.
		// (libheif's own stitching converts the grid's colours once more, so
		// it is not sample for sample the tiles' decode.)
		c := m.(*image.YCbCr)
		for i, tile := range tiles {
			dec, err := newHEIFDecoder("", 1)
			if err != nil {
				t.Fatal(err)
			}
			th, _ := parseHEIF(tile)
			tm, _, err := dec.decodeHEIF(singleItemFile("heic", th.primary, th.itemData(tile, th.primary)))
			if err != nil {
				t.Fatal(err)
			}
			tp := tm.(*image.YCbCr)
			x0, y0 := i%2*512, i/2*512
			for y := y0; y < min(y0+512, 600); y++ {
				w := min(512, 1000-x0)
				if !bytes.Equal(c.Y[y*c.YStride+x0:][:w], tp.Y[(y-y0)*tp.YStride:][:w]) {
					t.Fatalf("tile %d: luma row %d is not the tile's", i, y-y0)
				}
				if y%2 == 0 {
					cy, tcy := y/2*c.CStride+x0/2, (y-y0)/2*tp.CStride
					if !bytes.Equal(c.Cb[cy:][:w/2], tp.Cb[tcy:][:w/2]) || !bytes.Equal(c.Cr[cy:][:w/2], tp.Cr[tcy:][:w/2]) {
						t.Fatalf("tile %d: chroma row %d is not the tile's", i, (y-y0)/2)
					}
				}
			}
		}
		// Through the pipeline, whole and turned.
		res, err := Make(d, Options{MaxSize: 1000})
		if err != nil || res.Width != 1000 || res.Height != 600 {
			t.Fatalf("Make: %v %+v", err, res)
		}
		if db := psnr(decodeBytes(t, res.Data), ref); db < 35 {
			t.Errorf("thumbnail of the grid vs heif-convert: %.1f dB", db)
		}
		res, err = Make(withIrot(t, d, 1), Options{MaxSize: 200})
		if err != nil {
			t.Fatal(err)
		}
		if m := decodeBytes(t, res.Data); res.Width != 120 || res.Height != 200 || corner(t, m) != "bl" {
			t.Errorf("grid with irot 1: %dx%d red in %q, want 120x200 bl", res.Width, res.Height, corner(t, m))
		}
		// Its thumbnail item, for a small thumbnail, tiles spoilt or not.
		if h.thumbs == nil {
			t.Fatal("the grid's thumbnail item not found")
		}
		res, err = Make(spoilPrimary(t, d), Options{MaxSize: 200})
		if err != nil {
			t.Fatal(err)
		}
		if m := decodeBytes(t, res.Data); res.Width != 200 || res.Height != 120 || corner(t, m) != "tl" {
			t.Errorf("grid's thumbnail item: %dx%d red in %q", res.Width, res.Height, corner(t, m))
		}
		// A damaged tile is an error, not a hole.
		if _, err := Make(spoilPrimary(t, d), Options{MaxSize: 400}); !IsPermanent(err) {
			t.Errorf("spoilt tiles: %v", err)
		}
	})
}

// TestDecoderCache: with Options.DecoderCache the compiled decoder is
// written there, and a new engine on the folder decodes with what it
// finds; a folder that cannot be made leaves decoding as it was.
func TestDecoderCache(t *testing.T) {
	testkit.Need(t, "heif-enc", "convert")
	dir := t.TempDir()
	d := heifFixture(t, dir, "p.heic")
	useNativeHEIF = false // the WebAssembly build, as in the Lambda
	defer func() { useNativeHEIF = true }()
	cache := filepath.Join(dir, "cache")
	if _, err := Make(d, Options{DecoderCache: cache}); err != nil {
		t.Fatal(err)
	}
	found := 0
	filepath.Walk(filepath.Join(cache, cacheSubdir), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Size() > 1<<20 {
			found++
		}
		return nil
	})
	if found != 1 {
		t.Fatalf("%d compiled modules in the cache, want 1", found)
	}
	fresh := &wasmCodec{name: "libheif", gz: &heicWasmGz}
	inst, err := fresh.instance(cache)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := parseHEIF(d)
	m, err := inst.decodeHEIFPrimary(singleItemFile("heic", h.primary, h.itemData(d, h.primary)))
	inst.Close()
	if err != nil || m.Bounds().Dx() != 1000 {
		t.Fatalf("from the cache: %v", err)
	}
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	if _, err := Make(d, Options{DecoderCache: notDir}); err != nil {
		t.Fatalf("unusable cache folder: %v", err)
	}
}

// TestSingleItemFileRoundTrip: the minimal file made for an item reads
// back, through parseHEIF, as that item without its transforms.
func TestSingleItemFileRoundTrip(t *testing.T) {
	props := []heifProp{
		{box{typ: "hvcC", body: []byte{1, 2, 3}}, true},
		{box{typ: "ispe", body: []byte{0, 0, 0, 0, 0, 0, 1, 64, 0, 0, 0, 240}}, false},
		{box{typ: "irot", body: []byte{1}}, true},
	}
	f := singleItemFile("heic", heifItem{typ: "hvc1", width: 320, height: 240, props: props}, []byte("coded data"))
	if Sniff(f) != HEIF {
		t.Fatalf("sniffed %q", Sniff(f))
	}
	h, err := parseHEIF(f)
	if err != nil {
		t.Fatal(err)
	}
	if h.primary.typ != "grid" || h.grid == nil || h.grid.width != 320 || h.grid.height != 240 {
		t.Fatalf("primary %+v, grid %+v: want a 1 x 1 grid over the item", h.primary, h.grid)
	}
	p := h.grid.tiles[0]
	if p.typ != "hvc1" || p.width != 320 || p.height != 240 || p.hasTransform || len(p.props) != 2 || !p.props[0].essential {
		t.Fatalf("read back %+v", p)
	}
	if got := h.itemData(f, p); string(got) != "coded data" {
		t.Fatalf("data %q", got)
	}
	// AVIF: the item alone.
	a, err := parseHEIF(singleItemFile("avif", heifItem{typ: "av01", props: props}, []byte("coded data")))
	if err != nil || a.primary.typ != "av01" || a.grid != nil || a.width != 320 {
		t.Fatalf("AVIF read back %+v %v", a.primary, err)
	}
}

// TestWebAssemblyChromaThroughGrid: the WebAssembly libheif decodes an
// HEVC item handed to it as a 1 x 1 grid with its chroma intact (as the
// system's libheif does), where the item alone comes out blurred.
func TestWebAssemblyChromaThroughGrid(t *testing.T) {
	testkit.Need(t, "heif-enc", "convert")
	dir := t.TempDir()
	d := heifFixture(t, dir, "p.heic")
	src := decodeFile(t, filepath.Join(dir, "big.png"))
	h, _ := parseHEIF(d)
	inst, err := heicCodec.instance("")
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	m, err := inst.decodeHEIFPrimary(singleItemFile("heic", h.primary, h.itemData(d, h.primary)))
	if err != nil {
		t.Fatal(err)
	}
	alone, err := decodeHEIC(d)
	if err != nil {
		t.Fatal(err)
	}
	if db, was := psnr(m, src), psnr(alone, src); db < 50 || was > 45 {
		t.Errorf("against the picture encoded: %.1f dB through a grid, %.1f dB alone (want 50+, and the blur still there to avoid)", db, was)
	}
}

func decodeBytes(t *testing.T, b []byte) image.Image {
	t.Helper()
	m, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// bothHEIFDecoders runs f with the system's libheif, where this build has
// it (cgo on Linux; the full tier requires libheif1, which heif-enc
// brings), and with the WebAssembly build, which the Lambda runs.
func bothHEIFDecoders(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	if _, ok := nativeHEIF(1); ok {
		t.Run("libheif", f)
	} else if libheifBinding && testkit.FullTier() {
		t.Error("libheif.so.1 cannot be opened (apt-get install libheif1)")
	}
	t.Run("wasm", func(t *testing.T) {
		useNativeHEIF = false
		defer func() { useNativeHEIF = true }()
		f(t)
	})
}

// TestLibheifMatchesWebAssembly: the system's libheif decodes an item
// as stored (its transforms ignored), to the WebAssembly build's picture
// (both handed the item as singleItemFile makes it), close to the
// picture encoded.
func TestLibheifMatchesWebAssembly(t *testing.T) {
	testkit.Need(t, "heif-enc", "convert")
	if !libheifBinding {
		t.Skip("this build has no libheif binding (cgo on Linux)")
	}
	native, ok := nativeHEIF(2)
	if !ok {
		t.Fatal("libheif.so.1 cannot be opened (apt-get install libheif1)")
	}
	dir := t.TempDir()
	d := withIrot(t, heifFixture(t, dir, "p.heic", "-t", "320"), 1)
	src := decodeFile(t, filepath.Join(dir, "big.png"))
	h, _ := parseHEIF(d)
	for _, it := range append([]heifItem{h.primary}, h.thumbs...) {
		file := singleItemFile("heic", it, h.itemData(d, it))
		a, _, err := native.decodeHEIF(file)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := heicCodec.instance("")
		if err != nil {
			t.Fatal(err)
		}
		b, err := inst.decodeHEIFPrimary(file)
		inst.Close()
		if err != nil {
			t.Fatal(err)
		}
		if a.Bounds() != image.Rect(0, 0, it.width, it.height) || b.Bounds() != a.Bounds() {
			t.Fatalf("item %d: libheif %v, WebAssembly %v, stored %dx%d", it.id, a.Bounds(), b.Bounds(), it.width, it.height)
		}
		if db := psnr(a, b); db < 50 {
			t.Errorf("item %d: libheif vs WebAssembly %.1f dB", it.id, db)
		}
		if it.id == h.primary.id {
			na, wa := psnr(a, src), psnr(b, src)
			if na < 50 || wa < 50 {
				t.Errorf("vs the picture encoded: libheif %.1f dB, WebAssembly %.1f dB", na, wa)
			}
		}
	}
}

// BenchmarkGridFile makes THUMBDROP_GRID_OUT, an HEIC laid out as an
// iPhone's: the tiles THUMBDROP_GRID_TILES (single-image HEICs, row by
// row) as a THUMBDROP_GRID ("cols rows width height") grid with the
// thumbnail item of THUMBDROP_BENCH_FILE; then times its thumbnail
// (bench/heif.sh, which makes the tiles with heif-enc).
func BenchmarkGridFile(b *testing.B) {
	out, tiles, thumb := os.Getenv("THUMBDROP_GRID_OUT"), os.Getenv("THUMBDROP_GRID_TILES"), os.Getenv("THUMBDROP_BENCH_FILE")
	var cols, rows, w, h int
	if _, err := fmt.Sscan(os.Getenv("THUMBDROP_GRID"), &cols, &rows, &w, &h); err != nil || out == "" || tiles == "" || thumb == "" {
		b.Skip("THUMBDROP_GRID, THUMBDROP_GRID_OUT, THUMBDROP_GRID_TILES and THUMBDROP_BENCH_FILE not set (bench/heif.sh sets them)")
	}
	var ts [][]byte
	for i := range cols * rows {
		d, err := os.ReadFile(filepath.Join(tiles, fmt.Sprintf("tile-%d.heic", i)))
		if err != nil {
			b.Fatal(err)
		}
		ts = append(ts, d)
	}
	th, err := os.ReadFile(thumb)
	if err != nil {
		b.Fatal(err)
	}
	d := gridHEIC(b, ts, rows, cols, w, h, th)
	if err := os.WriteFile(out, d, 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Make(d, Options{MaxSize: 1280}); err != nil {
			b.Fatal(err)
		}
	}
}

// refusing is a decoder that refuses every file, as an older system
// libheif might.
type refusing struct{}

func (refusing) decodeHEIF([]byte) (image.Image, func(), error) {
	return nil, nil, fmt.Errorf("refused")
}
func (refusing) Close() {}

// TestNativeFallsBackToWebAssembly: what the system's libheif refuses is
// decoded by the WebAssembly build.
func TestNativeFallsBackToWebAssembly(t *testing.T) {
	testkit.Need(t, "heif-enc", "convert")
	d := heifFixture(t, t.TempDir(), "p.heic")
	h, _ := parseHEIF(d)
	dec := &withFallback{native: refusing{}}
	defer dec.Close()
	m, _, err := dec.decodeHEIF(singleItemFile("heic", h.primary, h.itemData(d, h.primary)))
	if err != nil || m.Bounds().Dx() != 1000 || corner(t, m) != "tl" {
		t.Fatalf("fallback: %v", err)
	}
}

// FuzzHEIFItems: any bytes read as HEIF give items whose data, one-item
// files and grids are within the file, never a panic; a one-item file
// reads back as its item.
func FuzzHEIFItems(f *testing.F) {
	props := []heifProp{{box{typ: "hvcC", body: []byte{1, 2, 3}}, true},
		{box{typ: "ispe", body: []byte{0, 0, 0, 0, 0, 0, 1, 64, 0, 0, 0, 240}}, false}}
	f.Add(singleItemFile("heic", heifItem{typ: "hvc1", props: props}, []byte("coded data")))
	f.Add(singleItemFile("avif", heifItem{typ: "av01", props: props}, make([]byte, 300)))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseHEIF(data)
		if err != nil {
			return
		}
		items := append([]heifItem{h.primary}, h.thumbs...)
		if h.grid != nil {
			if h.grid.width != h.width || h.grid.height != h.height {
				t.Fatalf("grid %dx%d, ispe %dx%d", h.grid.width, h.grid.height, h.width, h.height)
			}
			items = append(items, h.grid.tiles...)
		}
		for _, it := range items {
			d := h.itemData(data, it)
			if len(d) > len(data) {
				t.Fatalf("item %d: %d bytes of a %d-byte file", it.id, len(d), len(data))
			}
			if d == nil || len(it.props) > 127 || it.typ != "hvc1" { // what is decoded alone as HEIC
				continue
			}
			back, err := parseHEIF(singleItemFile("heic", it, d))
			if err != nil && it.width > 0 && it.height > 0 {
				t.Fatalf("item %d's file: %v", it.id, err)
			}
			if err != nil {
				continue
			}
			coded := back.primary
			if back.grid != nil {
				coded = back.grid.tiles[0]
			}
			if coded.typ != it.typ || coded.width != it.width || coded.hasTransform || back.hasTransform {
				t.Fatalf("item %d read back as %+v", it.id, coded)
			}
		}
	})
}
