package thumbnail

import (
	"encoding/binary"
	"errors"
	"image"
	"math"
	"slices"
)

// HEIF and AVIF files are ISO base media files (ISO/IEC 14496-12): boxes
// of a 32-bit size and a four-character type. Their still images are items
// described in the 'meta' box (ISO/IEC 23008-12, HEIF): 'pitm' names the
// primary item, 'iinf' gives each item's type, 'iloc' where its bytes are,
// and 'iprp' its properties ('ispe' size, 'irot' rotation, 'imir'
// mirroring, 'pixi' bit depth), associated with items by 'ipma'. This file
// reads what the pipeline needs without decoding: size, orientation, bit
// depth, the Exif item, so a huge or hostile file is judged before the
// WebAssembly decoder is even loaded.

// box is one ISOBMFF box: its type and payload (after the header).
type box struct {
	typ  string
	body []byte
	off  int // offset of body in the whole file
}

// boxes splits b (found at offset base in the file) into boxes.
func boxes(b []byte, base int) ([]box, error) {
	var out []box
	for len(b) > 0 {
		if len(b) < 8 {
			return out, errTruncatedBox
		}
		size := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hdr := 8
		switch size {
		case 1:
			if len(b) < 16 {
				return out, errTruncatedBox
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		case 0:
			size = uint64(len(b))
		}
		if size < uint64(hdr) || size > uint64(len(b)) {
			return out, errTruncatedBox
		}
		out = append(out, box{typ: typ, body: b[hdr:size], off: base + hdr})
		b, base = b[size:], base+int(size)
	}
	return out, nil
}

var errTruncatedBox = errors.New("truncated or malformed box")

func find(bs []box, typ string) (box, bool) {
	for _, b := range bs {
		if b.typ == typ {
			return b, true
		}
	}
	return box{}, false
}

// brands returns the major and compatible brands of an 'ftyp' box at the
// start of d.
func brands(d []byte) []string {
	if len(d) < 16 || string(d[4:8]) != "ftyp" {
		return nil
	}
	size := int(binary.BigEndian.Uint32(d))
	if size < 16 || size > len(d) {
		size = min(len(d), 64)
	}
	out := []string{string(d[8:12])}
	for i := 16; i+4 <= size; i += 4 {
		out = append(out, string(d[i:i+4]))
	}
	return out
}

// sniffISO names an HEIF or AVIF file from its brands.
func sniffISO(d []byte) Format {
	heif, generic := false, false
	for _, b := range brands(d) {
		switch b {
		case "avif", "avis":
			return AVIF
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs":
			heif = true
		case "mif1", "msf1":
			generic = true
		}
	}
	switch {
	case heif:
		return HEIF
	case generic: // an image file of unstated coding: the primary item says
		if h, err := parseHEIF(d); err == nil && h.itemType == "av01" {
			return AVIF
		}
		return HEIF
	}
	return ""
}

// heifInfo is what the pipeline needs of an HEIF or AVIF file.
type heifInfo struct {
	itemType      string // of the primary item: hvc1, av01, grid, ...
	width, height int    // 'ispe' of the primary item: as stored
	depth         int    // bits per channel (pixi, hvcC, av1C); 0 if unknown
	// transform is the display transform of 'irot' and 'imir', composed in
	// their order; hasTransform says whether the item has any.
	transform    Orientation
	hasTransform bool
	// exif is the Exif item's extents in the file (its TIFF structure
	// starts after a 4-byte offset field and that many bytes).
	exif []extent

	primary heifItem
	// thumbs are the coded thumbnail items of the primary ('thmb'
	// references), in the file's order.
	thumbs []heifItem
	// grid is the primary's layout when it is a grid of coded tiles
	// ('grid' item, 'dimg' references); nil otherwise.
	grid *heifGrid
	// idat is the 'idat' box's body (construction method 1's data).
	idat []byte
	// auxl: the items that have auxiliary images (alpha, depth).
	auxl map[int]bool
}

// heifItem is one item of an HEIF file and what it needs to be decoded
// alone.
type heifItem struct {
	id            int
	typ           string
	width, height int // 'ispe'
	depth         int
	transform     Orientation // of 'irot' and 'imir'; 1 without
	hasTransform  bool
	props         []heifProp // associated properties, in 'ipma' order
	loc           itemLoc
}

// heifProp is an item property box and whether it is essential.
type heifProp struct {
	box
	essential bool
}

// itemLoc is where an item's bytes are ('iloc').
type itemLoc struct {
	method  int // construction method: 0 offsets into the file, 1 into 'idat'
	extents []extent
}

// heifGrid is a 'grid' derived image: rows x cols tiles, each an item of
// the same size, placed left to right and top to bottom and cropped to
// width x height.
type heifGrid struct {
	rows, cols    int
	width, height int
	tiles         []heifItem
}

type extent struct{ off, len int }

// parseHEIF reads the items of an HEIF/AVIF file held in d (which may be
// only the file's head: the 'meta' box comes first in files made for the
// web and by phones): the primary item, its thumbnails and, for a grid,
// its tiles.
func parseHEIF(d []byte) (heifInfo, error) {
	var h heifInfo
	top, err := boxes(d, 0)
	meta, ok := find(top, "meta")
	if !ok {
		if err != nil {
			return h, err
		}
		return h, errors.New("no meta box")
	}
	if len(meta.body) < 4 {
		return h, errTruncatedBox
	}
	kids, _ := boxes(meta.body[4:], meta.off+4) // FullBox: version and flags first
	primary := -1
	if p, ok := find(kids, "pitm"); ok && len(p.body) >= 6 {
		if p.body[0] == 0 {
			primary = int(binary.BigEndian.Uint16(p.body[4:]))
		} else if len(p.body) >= 8 {
			primary = int(binary.BigEndian.Uint32(p.body[4:]))
		}
	}
	if primary < 0 {
		return h, errors.New("no primary item")
	}
	types := itemTypes(kids)
	h.itemType = types[primary]

	// Properties, in 'ipco' order (1-based), and each item's.
	iprp, ok := find(kids, "iprp")
	if !ok {
		return h, errors.New("no item properties")
	}
	ip, _ := boxes(iprp.body, iprp.off)
	ipco, ok := find(ip, "ipco")
	if !ok {
		return h, errors.New("no item properties")
	}
	props, _ := boxes(ipco.body, ipco.off)
	ipma, ok := find(ip, "ipma")
	if !ok {
		return h, errors.New("no property associations")
	}
	assoc := associations(ipma.body)
	locs := itemLocations(kids)
	if b, ok := find(kids, "idat"); ok {
		h.idat = b.body
	}
	item := func(id int) heifItem {
		it := heifItem{id: id, typ: types[id], transform: 1, loc: locs[id]}
		for _, a := range assoc[id] {
			if a.index < 1 || a.index > len(props) {
				continue
			}
			it.props = append(it.props, heifProp{props[a.index-1], a.essential})
			it.property(props[a.index-1])
		}
		return it
	}
	h.primary = item(primary)
	p := h.primary
	h.width, h.height, h.depth, h.transform, h.hasTransform = p.width, p.height, p.depth, p.transform, p.hasTransform
	refs := references(kids)
	h.auxl = map[int]bool{}
	for _, r := range refs {
		if r.typ == "auxl" {
			for _, id := range r.to {
				h.auxl[id] = true
			}
		}
		if r.typ == "thmb" && slices.Contains(r.to, primary) {
			if t := item(r.from); t.typ == "hvc1" || t.typ == "av01" {
				h.thumbs = append(h.thumbs, t)
			}
		}
	}
	if p.typ == "grid" {
		h.grid = parseGrid(d, h, refs, item)
	}
	for id, t := range types {
		if t == "Exif" {
			h.exif = locs[id].extents
			if locs[id].method != 0 {
				h.exif = nil
			}
			break
		}
	}
	if h.width <= 0 || h.height <= 0 {
		return h, errors.New("the primary item has no size ('ispe')")
	}
	return h, nil
}

// property reads what the pipeline needs of one of the item's properties.
func (it *heifItem) property(p box) {
	switch p.typ {
	case "ispe":
		if len(p.body) >= 12 {
			it.width, it.height = int(binary.BigEndian.Uint32(p.body[4:])), int(binary.BigEndian.Uint32(p.body[8:]))
		}
	case "irot":
		if len(p.body) >= 1 {
			// Anticlockwise by 90 degrees times the angle.
			it.transform = compose(it.transform, rotateCCW(int(p.body[0]&3)))
			it.hasTransform = true
		}
	case "imir":
		if len(p.body) >= 1 {
			// HEIF amendment 2: axis 0 exchanges top and bottom, 1 left
			// and right.
			m := Orientation(4)
			if p.body[0]&1 == 1 {
				m = 2
			}
			it.transform = compose(it.transform, m)
			it.hasTransform = true
		}
	case "pixi":
		if len(p.body) >= 6 && p.body[4] > 0 {
			it.depth = int(p.body[5])
		}
	case "hvcC":
		if it.depth == 0 && len(p.body) >= 18 {
			it.depth = 8 + int(p.body[17]&7)
		}
	case "av1C":
		if it.depth == 0 && len(p.body) >= 3 {
			it.depth = 8
			if p.body[2]&0x40 != 0 { // high_bitdepth
				it.depth = 10
				if p.body[2]&0x20 != 0 { // twelve_bit
					it.depth = 12
				}
			}
		}
	}
}

// itemData returns an item's bytes, its extents joined, or nil when they
// do not all lie within d (or 'idat').
func (h heifInfo) itemData(d []byte, it heifItem) []byte {
	src := d
	switch it.loc.method {
	case 0:
	case 1:
		src = h.idat
	default:
		return nil
	}
	n := 0
	for _, e := range it.loc.extents {
		if e.off < 0 || e.len <= 0 || e.off > len(src)-e.len {
			return nil
		}
		n += e.len
	}
	if n == 0 || n > len(src) { // extents over the same bytes again and again: not an image's
		return nil
	}
	out := make([]byte, 0, n)
	for _, e := range it.loc.extents {
		out = append(out, src[e.off:e.off+e.len]...)
	}
	return out
}

// parseGrid reads a grid primary's layout ('ImageGrid' in its data) and
// its tiles ('dimg' references, in order); nil unless every tile is a
// coded image of the same size and together they cover the grid.
func parseGrid(d []byte, h heifInfo, refs []heifRef, item func(int) heifItem) *heifGrid {
	b := h.itemData(d, h.primary)
	if len(b) < 8 || b[0] != 0 {
		return nil
	}
	g := &heifGrid{rows: int(b[2]) + 1, cols: int(b[3]) + 1}
	if b[1]&1 == 0 {
		g.width, g.height = int(binary.BigEndian.Uint16(b[4:])), int(binary.BigEndian.Uint16(b[6:]))
	} else if len(b) >= 12 {
		g.width, g.height = int(binary.BigEndian.Uint32(b[4:])), int(binary.BigEndian.Uint32(b[8:]))
	} else {
		return nil
	}
	for _, r := range refs {
		if r.typ == "dimg" && r.from == h.primary.id {
			for _, id := range r.to {
				g.tiles = append(g.tiles, item(id))
			}
			break
		}
	}
	// The grid's size is the one the limits were checked against (its
	// 'ispe'), and every tile lies within it.
	if len(g.tiles) != g.rows*g.cols || g.width != h.primary.width || g.height != h.primary.height {
		return nil
	}
	t0 := g.tiles[0]
	for _, t := range g.tiles {
		if (t.typ != "hvc1" && t.typ != "av01") || t.typ != t0.typ || t.width != t0.width || t.height != t0.height || t.hasTransform {
			return nil
		}
	}
	if t0.width <= 0 || t0.height <= 0 || t0.width*g.cols < g.width || t0.height*g.rows < g.height ||
		t0.width*(g.cols-1) >= g.width || t0.height*(g.rows-1) >= g.height {
		return nil
	}
	return g
}

// itemTypes maps item IDs to their types ('iinf' with 'infe' v2/v3).
func itemTypes(kids []box) map[int]string {
	out := map[int]string{}
	iinf, ok := find(kids, "iinf")
	if !ok || len(iinf.body) < 6 {
		return out
	}
	n := 6
	if iinf.body[0] != 0 {
		n = 8
	}
	if len(iinf.body) < n {
		return out
	}
	entries, _ := boxes(iinf.body[n:], iinf.off+n)
	for _, e := range entries {
		b := e.body
		if e.typ != "infe" || len(b) < 4 {
			continue
		}
		switch v := b[0]; {
		case v == 2 && len(b) >= 12:
			out[int(binary.BigEndian.Uint16(b[4:]))] = string(b[8:12])
		case v >= 3 && len(b) >= 14:
			out[int(binary.BigEndian.Uint32(b[4:]))] = string(b[10:14])
		}
	}
	return out
}

// association is one property of an item: its index in 'ipco' (1-based).
type association struct {
	index     int
	essential bool
}

// associations lists each item's properties from an 'ipma' body.
func associations(b []byte) map[int][]association {
	out := map[int][]association{}
	if len(b) < 8 {
		return out
	}
	version, flags := b[0], b[3]
	count := int(binary.BigEndian.Uint32(b[4:]))
	i := 8
	for e := 0; e < count; e++ {
		var item int
		if version < 1 {
			if i+2 > len(b) {
				return out
			}
			item, i = int(binary.BigEndian.Uint16(b[i:])), i+2
		} else {
			if i+4 > len(b) {
				return out
			}
			item, i = int(binary.BigEndian.Uint32(b[i:])), i+4
		}
		if i >= len(b) {
			return out
		}
		n := int(b[i])
		i++
		var as []association
		for k := 0; k < n; k++ {
			if flags&1 != 0 {
				if i+2 > len(b) {
					return out
				}
				v := binary.BigEndian.Uint16(b[i:])
				as, i = append(as, association{int(v & 0x7fff), v&0x8000 != 0}), i+2
			} else {
				if i+1 > len(b) {
					return out
				}
				as, i = append(as, association{int(b[i] & 0x7f), b[i]&0x80 != 0}), i+1
			}
		}
		if _, seen := out[item]; !seen {
			out[item] = as
		}
	}
	return out
}

// heifRef is one item reference ('iref'): from an item to others, of a
// type (thmb: a thumbnail of; dimg: derived from; cdsc: describes).
type heifRef struct {
	typ  string
	from int
	to   []int
}

// references reads the 'iref' box.
func references(kids []box) []heifRef {
	iref, ok := find(kids, "iref")
	if !ok || len(iref.body) < 4 {
		return nil
	}
	size := 2
	if iref.body[0] != 0 {
		size = 4
	}
	read := func(b []byte) int {
		if size == 2 {
			return int(binary.BigEndian.Uint16(b))
		}
		return int(binary.BigEndian.Uint32(b))
	}
	var out []heifRef
	entries, _ := boxes(iref.body[4:], iref.off+4)
	for _, e := range entries {
		b := e.body
		if len(b) < size+2 {
			continue
		}
		r := heifRef{typ: e.typ, from: read(b)}
		n := int(binary.BigEndian.Uint16(b[size:]))
		b = b[size+2:]
		if n > len(b)/size {
			continue
		}
		for k := 0; k < n; k++ {
			r.to = append(r.to, read(b[k*size:]))
		}
		out = append(out, r)
	}
	return out
}

// itemLocations reads where each item's bytes are ('iloc').
func itemLocations(kids []box) map[int]itemLoc {
	locs := map[int]itemLoc{}
	iloc, ok := find(kids, "iloc")
	b := iloc.body
	if !ok || len(b) < 8 {
		return locs
	}
	version := b[0]
	offSize, lenSize := int(b[4]>>4), int(b[4]&15)
	baseSize, idxSize := int(b[5]>>4), 0
	if version >= 1 {
		idxSize = int(b[5] & 15)
	}
	read := func(i, n int) (int, int, bool) {
		if n > 8 || i+n > len(b) {
			return 0, i, false
		}
		v := 0
		for k := 0; k < n; k++ {
			v = v<<8 | int(b[i+k])
		}
		return v, i + n, v >= 0
	}
	i := 6
	var count int
	if version < 2 {
		count, i, ok = read(i, 2)
	} else {
		count, i, ok = read(i, 4)
	}
	for e := 0; ok && e < count; e++ {
		var item, method, base, extents int
		if version < 2 {
			item, i, ok = read(i, 2)
		} else {
			item, i, ok = read(i, 4)
		}
		if ok && version >= 1 {
			method, i, ok = read(i, 2)
			method &= 15
		}
		if ok {
			_, i, ok = read(i, 2) // data_reference_index
		}
		if ok {
			base, i, ok = read(i, baseSize)
		}
		if ok {
			extents, i, ok = read(i, 2)
		}
		l := itemLoc{method: method}
		for x := 0; ok && x < extents; x++ {
			var off, n int
			_, i, ok = read(i, idxSize)
			if ok {
				off, i, ok = read(i, offSize)
			}
			if ok {
				n, i, ok = read(i, lenSize)
			}
			if ok && off <= math.MaxInt32 && base <= math.MaxInt32 {
				l.extents = append(l.extents, extent{base + off, n})
			}
		}
		if _, seen := locs[item]; ok && !seen {
			locs[item] = l
		}
	}
	return locs
}

// rotateCCW is the display transform of an anticlockwise rotation by n
// quarter turns, as an EXIF orientation.
func rotateCCW(n int) Orientation {
	return [...]Orientation{1, 8, 3, 6}[n&3]
}

// The eight orientations as (quarter turns clockwise k, then a left-right
// flip f): the dihedral group of the square.
var (
	orientKF = map[Orientation][2]int{1: {0, 0}, 2: {0, 1}, 3: {2, 0}, 4: {2, 1}, 5: {1, 1}, 6: {1, 0}, 7: {3, 1}, 8: {3, 0}}
	kfOrient = func() map[[2]int]Orientation {
		m := map[[2]int]Orientation{}
		for o, kf := range orientKF {
			m[kf] = o
		}
		return m
	}()
)

// compose is the orientation of applying a, then b.
func compose(a, b Orientation) Orientation {
	if a == 0 {
		a = 1
	}
	x, y := orientKF[a], orientKF[b]
	k := y[0]
	if x[1] == 1 { // a flip turns the later rotation around: r h = h r^-1
		k = -k
	}
	return kfOrient[[2]int{((x[0]+k)%4 + 4) % 4, x[1] ^ y[1]}]
}

// heifInspect is the header of an HEIF or AVIF file: its size as stored
// and the orientation to show it with, that of its 'irot' and 'imir' or,
// where it has none, its EXIF's. Both formats are decoded as stored
// (heifdecode.go) and turned by the pipeline.
func heifInspect(f Format, d []byte) (image.Config, Orientation, heifInfo, error) {
	h, err := parseHEIF(d)
	if err != nil {
		return image.Config{}, 1, h, err
	}
	o := h.transform
	if !h.hasTransform {
		o = heifExifOrientation(d, h)
	}
	return image.Config{Width: h.width, Height: h.height}, o, h, nil
}

// heifExifOrientation reads the orientation tag of the Exif item, for
// files that state it there rather than in 'irot'/'imir'.
func heifExifOrientation(d []byte, h heifInfo) Orientation {
	t := heifExifTIFF(d, h)
	if o := tiffOrientation(t); o >= 1 && o <= 8 {
		return o
	}
	return 1
}

// heifExifTIFF returns the TIFF structure of the Exif item (its first
// extent; Exif items are one extent in practice), if it lies within d.
func heifExifTIFF(d []byte, h heifInfo) []byte {
	if len(h.exif) == 0 {
		return nil
	}
	e := h.exif[0]
	if e.off < 0 || e.len < 4 || e.off+e.len > len(d) {
		return nil
	}
	item := d[e.off : e.off+e.len]
	skip := int(binary.BigEndian.Uint32(item))
	if 4+skip > len(item) {
		return nil
	}
	return item[4+skip:]
}

// isoLayout is the layout of an HEIF or AVIF file.
func isoLayout(d []byte) layout {
	h, err := parseHEIF(d)
	l := layout{depth: 10, channels: 3}
	if err == nil && h.depth > 0 {
		l.depth = h.depth
	}
	return l
}

// isoMemoryNeed: the WebAssembly decoders hold the coded data, the
// decoded planes and the converted output in their own memory, which the
// Go image then shares (HEIC: YCbCr; AVIF: RGBA, 16-bit above 8 bits,
// converted once more for scaling).
func isoMemoryNeed(info Info, l layout) int64 {
	px := int64(info.Width) * int64(info.Height)
	deep := l.depth > 8
	if info.Format == HEIF {
		planes := px * 3 / 2
		if deep {
			planes *= 2
		}
		return planes*3 + px*4 + 32<<20 // planes, copies, RGB conversions; the module itself
	}
	out := px * 4
	planes := px * 3 / 2
	if deep {
		out, planes = px*8, px*3
	}
	return planes + out*2 + px*4 + 32<<20
}
