package thumbnail

import (
	"encoding/binary"
	"errors"
	"image"
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
}

type extent struct{ off, len int }

// parseHEIF reads the primary item of an HEIF/AVIF file held in d (which
// may be only the file's head: the 'meta' box comes first in files made
// for the web and by phones).
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

	// Properties, in 'ipco' order (1-based), and the primary item's.
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
	for _, idx := range associations(ipma.body, primary) {
		if idx < 1 || idx > len(props) {
			continue
		}
		p := props[idx-1]
		switch p.typ {
		case "ispe":
			if len(p.body) >= 12 {
				h.width, h.height = int(binary.BigEndian.Uint32(p.body[4:])), int(binary.BigEndian.Uint32(p.body[8:]))
			}
		case "irot":
			if len(p.body) >= 1 {
				// Anticlockwise by 90 degrees times the angle.
				h.transform = compose(h.transform, rotateCCW(int(p.body[0]&3)))
				h.hasTransform = true
			}
		case "imir":
			if len(p.body) >= 1 {
				// HEIF amendment 2: axis 0 exchanges top and bottom, 1 left
				// and right.
				m := Orientation(4)
				if p.body[0]&1 == 1 {
					m = 2
				}
				h.transform = compose(h.transform, m)
				h.hasTransform = true
			}
		case "pixi":
			if len(p.body) >= 6 && p.body[4] > 0 {
				h.depth = int(p.body[5])
			}
		case "hvcC":
			if h.depth == 0 && len(p.body) >= 18 {
				h.depth = 8 + int(p.body[17]&7)
			}
		case "av1C":
			if h.depth == 0 && len(p.body) >= 3 {
				h.depth = 8
				if p.body[2]&0x40 != 0 { // high_bitdepth
					h.depth = 10
					if p.body[2]&0x20 != 0 { // twelve_bit
						h.depth = 12
					}
				}
			}
		}
	}
	if h.transform == 0 {
		h.transform = 1
	}
	for id, t := range types {
		if t == "Exif" {
			h.exif = itemExtents(kids, id)
			break
		}
	}
	if h.width <= 0 || h.height <= 0 {
		return h, errors.New("the primary item has no size ('ispe')")
	}
	return h, nil
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

// associations lists the property indices (1-based) of item id in an
// 'ipma' body.
func associations(b []byte, id int) []int {
	if len(b) < 8 {
		return nil
	}
	version, flags := b[0], b[3]
	count := int(binary.BigEndian.Uint32(b[4:]))
	i := 8
	for e := 0; e < count; e++ {
		var item int
		if version < 1 {
			if i+2 > len(b) {
				return nil
			}
			item, i = int(binary.BigEndian.Uint16(b[i:])), i+2
		} else {
			if i+4 > len(b) {
				return nil
			}
			item, i = int(binary.BigEndian.Uint32(b[i:])), i+4
		}
		if i >= len(b) {
			return nil
		}
		n := int(b[i])
		i++
		var idx []int
		for k := 0; k < n; k++ {
			if flags&1 != 0 {
				if i+2 > len(b) {
					return nil
				}
				idx, i = append(idx, int(binary.BigEndian.Uint16(b[i:])&0x7fff)), i+2
			} else {
				if i+1 > len(b) {
					return nil
				}
				idx, i = append(idx, int(b[i]&0x7f)), i+1
			}
		}
		if item == id {
			return idx
		}
	}
	return nil
}

// itemExtents finds where item id's bytes are in the file ('iloc',
// construction method 0: offsets into the file).
func itemExtents(kids []box, id int) []extent {
	iloc, ok := find(kids, "iloc")
	b := iloc.body
	if !ok || len(b) < 8 {
		return nil
	}
	version := b[0]
	offSize, lenSize := int(b[4]>>4), int(b[4]&15)
	baseSize, idxSize := int(b[5]>>4), 0
	if version >= 1 {
		idxSize = int(b[5] & 15)
	}
	read := func(i, n int) (int, int, bool) {
		if i+n > len(b) {
			return 0, i, false
		}
		v := 0
		for k := 0; k < n; k++ {
			v = v<<8 | int(b[i+k])
		}
		return v, i + n, true
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
		if version >= 1 {
			method, i, ok = read(i, 2)
			method &= 15
		}
		_, i, ok = read(i, 2) // data_reference_index
		base, i, ok = read(i, baseSize)
		extents, i, ok = read(i, 2)
		var out []extent
		for x := 0; ok && x < extents; x++ {
			var off, n int
			_, i, ok = read(i, idxSize)
			off, i, ok = read(i, offSize)
			n, i, ok = read(i, lenSize)
			out = append(out, extent{base + off, n})
		}
		if ok && item == id && method == 0 {
			return out
		}
	}
	return nil
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

// heifInspect is the header of an HEIF or AVIF file. HEIC is decoded by
// libheif, which applies 'irot' and 'imir' itself: its size is as shown,
// its orientation what remains (EXIF's, when the file has no transform).
// AVIF is decoded as stored: the pipeline applies the transform.
func heifInspect(f Format, d []byte) (image.Config, Orientation, heifInfo, error) {
	h, err := parseHEIF(d)
	if err != nil {
		return image.Config{}, 1, h, err
	}
	w, ht := h.width, h.height
	o := h.transform
	if !h.hasTransform {
		o = heifExifOrientation(d, h)
	}
	if f == HEIF {
		if h.hasTransform {
			if h.transform.swapsAxes() {
				w, ht = ht, w
			}
			o = 1
		}
	}
	return image.Config{Width: w, Height: ht}, o, h, nil
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
