package thumbnail

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"
)

// How an HEIF or AVIF file is decoded, cheapest first:
//   - from its thumbnail item ('thmb', about 320 px in phone photos) when
//     that is at least the size asked for: a 12 MP photo's 200 px
//     thumbnail decodes some 40,000 times fewer coded pixels;
//   - a grid primary (iPhones store 12 MP as 48 tiles of 512 x 512, each
//     an independent HEVC image) a tile per instance of the decoder, on
//     every core, the tiles stitched here;
//   - else the primary item.
// The WebAssembly decoders decode a file's primary item only, so a
// thumbnail, a tile or a primary is handed to them as a minimal HEIF file
// of that one item (singleItemFile), made from the boxes parseHEIF read:
// the image comes back as stored, and the pipeline applies the primary's
// 'irot'/'imir' (or EXIF orientation), for HEIC as for AVIF. Files this
// cannot take apart (overlays, alpha planes) go to the decoder whole.

// heifDecoder decodes the primary item of HEIF files: the system's
// libheif where there is one (libheif.go), else an instance of its
// WebAssembly build (wasm.go). The image may lie in the decoder's memory
// until release is called or the decoder closed.
type heifDecoder interface {
	decodeHEIF(file []byte) (m image.Image, release func(), err error)
	Close()
}

// useNativeHEIF lets the tests run the WebAssembly decoder where the
// system's libheif would be taken.
var useNativeHEIF = true

// newHEIFDecoder returns a decoder for HEIC files, running on up to
// threads threads where it can.
func newHEIFDecoder(cache string, threads int) (heifDecoder, error) {
	if d, ok := nativeHEIF(threads); ok {
		return &withFallback{native: d, cache: cache}, nil
	}
	return heicCodec.instance(cache)
}

// withFallback decodes with the system's libheif and, where it fails (an
// older libheif may refuse what the WebAssembly build reads), with the
// WebAssembly build.
type withFallback struct {
	native heifDecoder
	cache  string
	wasm   *wasmInstance
}

func (d *withFallback) decodeHEIF(file []byte) (image.Image, func(), error) {
	m, release, err := d.native.decodeHEIF(file)
	if err == nil {
		return m, release, nil
	}
	if d.wasm == nil {
		if d.wasm, err = heicCodec.instance(d.cache); err != nil {
			return nil, nil, err
		}
	}
	return d.wasm.decodeHEIF(file)
}

func (d *withFallback) Close() {
	d.native.Close()
	if d.wasm != nil {
		d.wasm.Close()
	}
}

// decodeISO decodes an HEIF or AVIF file, as stored, for a tw x th target
// (stored axes); cache is Options.DecoderCache.
func decodeISO(f Format, data []byte, tw, th int, cache string) (image.Image, error) {
	h, err := parseHEIF(data)
	if err != nil {
		return nil, err
	}
	if t, ok := h.thumbnailFor(tw, th); ok {
		if m, err := decodeItem(h, data, t, cache); err == nil {
			return m, nil
		}
		// A thumbnail the decoder refuses: the picture itself.
	}
	if f == HEIF && h.grid != nil && !h.hasAlpha(h.primary.id) && !h.primary.has("clap") {
		if m, err := decodeGrid(h, data, cache); err == nil {
			return m, nil
		}
	}
	if f == HEIF && h.primary.typ == "hvc1" && !h.hasAlpha(h.primary.id) {
		return decodeItem(h, data, h.primary, cache)
	}
	return decodeWhole(f, h, data, cache)
}

// thumbnailFor picks the smallest thumbnail item at least tw x th (stored
// axes) that decodes alone to what the primary shows: no alpha plane, and
// no transform of its own unlike the primary's.
func (h heifInfo) thumbnailFor(tw, th int) (heifItem, bool) {
	var best heifItem
	found := false
	for _, t := range h.thumbs {
		if t.width < tw || t.height < th || h.hasAlpha(t.id) || h.hasAlpha(h.primary.id) {
			continue
		}
		if t.hasTransform && t.transform != h.transform {
			continue
		}
		if t.typ == "hvc1" && min(t.width, t.height) < minHEICWidth {
			continue
		}
		if !found || t.width*t.height < best.width*best.height {
			best, found = t, true
		}
	}
	return best, found
}

// hasAlpha says whether an auxiliary image ('auxl': alpha, depth) belongs
// to item id: decoding the item alone would lose it.
func (h heifInfo) hasAlpha(id int) bool {
	return h.auxl[id]
}

func (it heifItem) has(typ string) bool {
	for _, p := range it.props {
		if p.typ == typ {
			return true
		}
	}
	return false
}

// codecOf is the decoder of a coded item's type.
func codecOf(typ string) (*wasmCodec, string, error) {
	switch typ {
	case "hvc1":
		return heicCodec, "heic", nil
	case "av01":
		return avifCodec, "avif", nil
	}
	return nil, "", fmt.Errorf("items of type %q are not decoded alone", typ)
}

// decodeItem decodes one coded item, as stored.
func decodeItem(h heifInfo, data []byte, it heifItem, cache string) (image.Image, error) {
	_, brand, err := codecOf(it.typ)
	if err != nil {
		return nil, err
	}
	payload := h.itemData(data, it)
	if payload == nil {
		return nil, fmt.Errorf("item %d's data lies outside the file", it.id)
	}
	file := singleItemFile(brand, it, payload)
	if brand == "avif" {
		inst, err := avifCodec.instance(cache)
		if err != nil {
			return nil, err
		}
		defer inst.Close() // the image keeps the memory it lies in
		return inst.decodeAVIFPrimary(file)
	}
	dec, err := newHEIFDecoder(cache, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	m, _, err := dec.decodeHEIF(file)
	return m, err
}

// decodeWhole hands the file to the decoder as it is. libheif applies the
// primary's transforms itself; they are undone, so the image is as
// stored like every other path's.
func decodeWhole(f Format, h heifInfo, data []byte, cache string) (image.Image, error) {
	if f == AVIF {
		return decodeWholeFile(avifCodec, data, cache)
	}
	m, err := decodeWholeFile(heicCodec, data, cache)
	if err != nil || !h.hasTransform || h.transform == 1 {
		return m, err
	}
	return orient(toNRGBA(m), inverse(h.transform)), nil
}

// decodeWholeFile decodes a file's primary item as the decoder shows it
// (libheif with its transforms applied, libavif as stored).
func decodeWholeFile(codec *wasmCodec, data []byte, cache string) (image.Image, error) {
	inst, err := codec.instance(cache)
	if err != nil {
		return nil, err
	}
	defer inst.Close()
	if codec == avifCodec {
		return inst.decodeAVIFPrimary(data)
	}
	return inst.decodeHEIFPrimary(data)
}

// decodeHEIC and decodeAVIF decode a whole file without a compilation
// cache, as the decoder shows it.
func decodeHEIC(data []byte) (image.Image, error) { return decodeWholeFile(heicCodec, data, "") }
func decodeAVIF(data []byte) (image.Image, error) { return decodeWholeFile(avifCodec, data, "") }

// inverse is the orientation that undoes o.
func inverse(o Orientation) Orientation {
	for i := Orientation(1); i <= 8; i++ {
		if compose(o, i) == 1 {
			return i
		}
	}
	return 1
}

// decodeGrid decodes a grid's tiles on every core, each worker with an
// instance of libheif of its own, into one image of the grid's size.
func decodeGrid(h heifInfo, data []byte, cache string) (image.Image, error) {
	g := h.grid
	t0 := g.tiles[0]
	if t0.typ != "hvc1" || min(t0.width, t0.height) < minHEICWidth {
		return nil, errors.New("tiles not decoded alone")
	}
	workers := min(runtime.GOMAXPROCS(0), len(g.tiles))
	jobs := make(chan int)
	var (
		mu    sync.Mutex
		out   image.Image // *image.YCbCr or *image.Gray, made from the first tile decoded
		first error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { // decode's recover does not reach this goroutine
				if r := recover(); r != nil {
					fail(fmt.Errorf("decoder panic: %v", r))
					for range jobs {
					}
				}
			}()
			dec, err := newHEIFDecoder(cache, 1)
			if err != nil {
				fail(err)
				for range jobs {
				}
				return
			}
			defer dec.Close()
			for i := range jobs {
				t := g.tiles[i]
				payload := h.itemData(data, t)
				if payload == nil {
					fail(fmt.Errorf("tile %d's data lies outside the file", i))
					continue
				}
				m, release, err := dec.decodeHEIF(singleItemFile("heic", t, payload))
				if err != nil {
					fail(fmt.Errorf("tile %d: %w", i, err))
					continue
				}
				at := image.Pt(i%g.cols*t0.width, i/g.cols*t0.height)
				mu.Lock()
				if out == nil {
					out = gridCanvas(m, g.width, g.height)
				}
				err = placeTile(out, m, at)
				mu.Unlock()
				release()
				if err != nil {
					fail(fmt.Errorf("tile %d: %w", i, err))
				}
			}
		}()
	}
	for i := range g.tiles {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if out == nil {
		return nil, errors.New("no tiles")
	}
	return out, nil
}

// gridCanvas is an image of the grid's size in the first tile's layout.
func gridCanvas(tile image.Image, w, h int) image.Image {
	r := image.Rect(0, 0, w, h)
	switch t := tile.(type) {
	case *image.YCbCr:
		return image.NewYCbCr(r, t.SubsampleRatio)
	case *image.Gray:
		return image.NewGray(r)
	}
	return nil
}

// placeTile copies a decoded tile into the canvas at at, cropped to it.
// The tile lies in a decoder's memory: it is copied, never kept.
func placeTile(canvas, tile image.Image, at image.Point) error {
	switch c := canvas.(type) {
	case *image.YCbCr:
		t, ok := tile.(*image.YCbCr)
		if !ok || t.SubsampleRatio != c.SubsampleRatio {
			return errors.New("tiles of different colour layouts")
		}
		w, h := min(t.Rect.Dx(), c.Rect.Dx()-at.X), min(t.Rect.Dy(), c.Rect.Dy()-at.Y)
		if w <= 0 || h <= 0 {
			return errors.New("a tile outside the grid")
		}
		copyPlane(c.Y, c.YStride, at.X, at.Y, t.Y, t.YStride, w, h)
		cx, cy, cw, ch := at.X, at.Y, w, h
		switch c.SubsampleRatio {
		case image.YCbCrSubsampleRatio420:
			cx, cy, cw, ch = cx/2, cy/2, (w+1)/2, (h+1)/2
		case image.YCbCrSubsampleRatio422:
			cx, cw = cx/2, (w+1)/2
		}
		copyPlane(c.Cb, c.CStride, cx, cy, t.Cb, t.CStride, cw, ch)
		copyPlane(c.Cr, c.CStride, cx, cy, t.Cr, t.CStride, cw, ch)
		return nil
	case *image.Gray:
		t, ok := tile.(*image.Gray)
		if !ok {
			return errors.New("tiles of different colour layouts")
		}
		w, h := min(t.Rect.Dx(), c.Rect.Dx()-at.X), min(t.Rect.Dy(), c.Rect.Dy()-at.Y)
		if w <= 0 || h <= 0 {
			return errors.New("a tile outside the grid")
		}
		copyPlane(c.Pix, c.Stride, at.X, at.Y, t.Pix, t.Stride, w, h)
		return nil
	}
	return errors.New("tiles of an unsupported colour layout")
}

func copyPlane(dst []byte, dstride, x, y int, src []byte, sstride, w, h int) {
	for r := 0; r < h; r++ {
		copy(dst[(y+r)*dstride+x:(y+r)*dstride+x+w], src[r*sstride:r*sstride+w])
	}
}

// singleItemFile is a minimal HEIF (brand "heic") or AVIF ("avif") file
// of one coded item, it, with payload as its data: the item's properties
// but its transforms ('irot', 'imir': the pipeline applies the primary's).
// For HEIC the primary is a 1 x 1 'grid' over the item, which carries
// its 'clap': the WebAssembly libheif (1.18) decodes a lone HEVC item with
// blurred chroma (37 dB against the picture encoded) and a grid's tiles
// right (55 dB, as the system's libheif either way;
// TestWebAssemblyChromaThroughGrid).
func singleItemFile(brand string, it heifItem, payload []byte) []byte {
	u16 := func(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
	u32 := func(v int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
	full := func(version, flags byte) []byte { return []byte{version, 0, 0, flags} }
	ftyp := isoBox("ftyp", []byte(brand), u32(0), []byte("mif1"), []byte(brand), []byte("miaf"))
	hdlr := isoBox("hdlr", full(0, 0), u32(0), []byte("pict"), make([]byte, 12), []byte{0})
	grid := brand == "heic" && it.width > 0 && it.height > 0
	const gridID, itemID = 1, 2
	id := gridID
	if !grid {
		id = itemID
	}
	pitm := isoBox("pitm", full(0, 0), u16(id))
	var ipco []byte
	n := 0
	associate := func(props []heifProp) []byte {
		var assoc []byte
		for _, p := range props {
			if n == 127 {
				break
			}
			ipco = append(ipco, isoBox(p.typ, p.body)...)
			n++
			a := byte(n)
			if p.essential {
				a |= 0x80
			}
			assoc = append(assoc, a)
		}
		return append([]byte{byte(len(assoc))}, assoc...)
	}
	var own, shown []heifProp // the coded item's; the grid's
	for _, p := range it.props {
		switch {
		case p.typ == "irot" || p.typ == "imir":
		case grid && p.typ == "clap":
			shown = append(shown, p)
		default:
			own = append(own, p)
		}
	}
	infe := isoBox("infe", full(2, 0), u16(itemID), u16(0), []byte(it.typ), []byte{0})
	ipmaEntries := append(u16(itemID), associate(own)...)
	var infes, iref, idat []byte
	var descr []byte
	count := 1
	if grid {
		infe = isoBox("infe", full(2, 1), u16(itemID), u16(0), []byte(it.typ), []byte{0}) // hidden
		infes = isoBox("infe", full(2, 0), u16(gridID), u16(0), []byte("grid"), []byte{0})
		descr = []byte{0, 0, 0, 0}
		if it.width > 0xffff || it.height > 0xffff {
			descr[1] = 1
			descr = append(append(descr, u32(it.width)...), u32(it.height)...)
		} else {
			descr = append(append(descr, u16(it.width)...), u16(it.height)...)
		}
		ispe := heifProp{box{typ: "ispe", body: append(append(full(0, 0), u32(it.width)...), u32(it.height)...)}, false}
		ipmaEntries = append(append(u16(gridID), associate(append([]heifProp{ispe}, shown...))...), ipmaEntries...)
		iref = isoBox("iref", full(0, 0), isoBox("dimg", u16(gridID), u16(1), u16(itemID)))
		idat = isoBox("idat", descr)
		count = 2
	}
	iinf := isoBox("iinf", full(0, 0), u16(count), infes, infe)
	ipma := isoBox("ipma", full(0, 0), u32(count), ipmaEntries)
	iprp := isoBox("iprp", isoBox("ipco", ipco), ipma)
	iloc := func(offset int) []byte {
		// Version 1, for construction methods: the grid's descriptor in
		// 'idat', the item's data in 'mdat'.
		b := append(full(1, 0), 0x44, 0x00)
		b = append(b, u16(count)...)
		if grid {
			b = append(append(append(append(b, u16(gridID)...), u16(1)...), u16(0)...), u16(1)...)
			b = append(append(b, u32(0)...), u32(len(descr))...)
		}
		b = append(append(append(append(b, u16(itemID)...), u16(0)...), u16(0)...), u16(1)...)
		b = append(append(b, u32(offset)...), u32(len(payload))...)
		return isoBox("iloc", b)
	}
	metaLen := 12 + len(hdlr) + len(pitm) + len(iloc(0)) + len(iinf) + len(iref) + len(iprp) + len(idat)
	offset := len(ftyp) + metaLen + 8
	meta := isoBox("meta", full(0, 0), hdlr, pitm, iloc(offset), iinf, iref, iprp, idat)
	out := make([]byte, 0, offset+len(payload))
	out = append(out, ftyp...)
	out = append(out, meta...)
	out = append(out, u32(8+len(payload))...)
	out = append(out, "mdat"...)
	return append(out, payload...)
}

// isoBox is a box of the given type whose body is parts, joined.
func isoBox(typ string, parts ...[]byte) []byte {
	n := 8
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, typ...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
