package thumbnail

import (
	"encoding/binary"
	"io"
)

// tiffDir is the first directory (IFD0; TIFF 6.0, section 2) of a TIFF
// structure: a TIFF file, or the Exif block of a JPEG, PNG, WebP or HEIF
// file. It is read through an io.ReaderAt, so a TIFF file's directory is
// found wherever it is: ImageMagick, libtiff and scanners write it after
// the pixels, far beyond the first bytes of the file.
type tiffDir struct {
	r       io.ReaderAt
	size    int64
	bo      binary.ByteOrder
	off     int64 // where the directory starts: its entry count
	entries []tiffEntry
}

// tiffEntry is one 12-byte directory entry.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    [4]byte // the value itself, or its offset when it does not fit
}

// TIFF tags read here.
const (
	tagImageWidth      = 256
	tagBitsPerSample   = 258
	tagOrientation     = 0x0112
	tagSamplesPerPixel = 277
	tagXMP             = 700 // XMLPacket
	tagGPSIFD          = 0x8825
)

// tiffByteOrder is the byte order a TIFF structure declares in its header
// (TIFF 6.0, section 2: "II" or "MM", then 42); false if h is too short
// to be one or declares none.
func tiffByteOrder(h []byte) (binary.ByteOrder, bool) {
	if len(h) < 8 {
		return nil, false
	}
	var bo binary.ByteOrder
	switch string(h[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, false
	}
	return bo, bo.Uint16(h[2:]) == 42
}

// readTIFFDir reads IFD0 of the TIFF structure in r (size bytes). A
// directory cut short keeps the entries that are whole.
func readTIFFDir(r io.ReaderAt, size int64) (*tiffDir, bool) {
	var h [8]byte
	if size < 8 || !readFull(r, h[:], 0) {
		return nil, false
	}
	bo, ok := tiffByteOrder(h[:])
	if !ok {
		return nil, false
	}
	off := int64(bo.Uint32(h[4:]))
	var c [2]byte
	if off < 8 || off+2 > size || !readFull(r, c[:], off) {
		return nil, false
	}
	n := min(int64(bo.Uint16(c[:])), (size-off-2)/12)
	raw := make([]byte, 12*n)
	if !readFull(r, raw, off+2) {
		return nil, false
	}
	d := &tiffDir{r: r, size: size, bo: bo, off: off, entries: make([]tiffEntry, n)}
	for k := range d.entries {
		e := raw[12*k:]
		d.entries[k] = tiffEntry{tag: bo.Uint16(e), typ: bo.Uint16(e[2:]), count: bo.Uint32(e[4:])}
		copy(d.entries[k].value[:], e[8:12])
	}
	return d, true
}

// find returns the entry of tag and its index.
func (d *tiffDir) find(tag uint16) (tiffEntry, int, bool) {
	for k, e := range d.entries {
		if e.tag == tag {
			return e, k, true
		}
	}
	return tiffEntry{}, -1, false
}

// uint returns the first value of a SHORT or LONG field, inline or where
// its offset points.
func (d *tiffDir) uint(tag uint16) (int, bool) {
	e, _, ok := d.find(tag)
	if !ok || e.count == 0 || e.typ != 3 && e.typ != 4 {
		return 0, false
	}
	v := e.value[:]
	if int64(typeSize(e.typ))*int64(e.count) > 4 {
		v = make([]byte, 4)
		if !readFull(d.r, v, int64(d.bo.Uint32(e.value[:]))) {
			return 0, false
		}
	}
	if e.typ == 3 {
		return int(d.bo.Uint16(v)), true
	}
	return int(d.bo.Uint32(v)), true
}

// bytes returns the data of a field that does not fit in its entry (at
// most max bytes): where it is, and what.
func (d *tiffDir) bytes(tag uint16, max int64) (int64, []byte, bool) {
	e, _, ok := d.find(tag)
	n := int64(typeSize(e.typ)) * int64(e.count)
	if !ok || n <= 4 || n > max {
		return 0, nil, false
	}
	off := int64(d.bo.Uint32(e.value[:]))
	b := make([]byte, n)
	if off < 8 || off+n > d.size || !readFull(d.r, b, off) {
		return 0, nil, false
	}
	return off, b, true
}

// typeSize is the size of one value of a TIFF field type.
func typeSize(typ uint16) int {
	switch typ {
	case 1, 2, 6, 7: // BYTE, ASCII, SBYTE, UNDEFINED
		return 1
	case 3, 8: // SHORT, SSHORT
		return 2
	case 4, 9, 11, 13: // LONG, SLONG, FLOAT, IFD
		return 4
	case 5, 10, 12: // RATIONAL, SRATIONAL, DOUBLE
		return 8
	}
	return 1
}

// readFull reads len(b) bytes at off; false if they are not all there.
func readFull(r io.ReaderAt, b []byte, off int64) bool {
	n, err := r.ReadAt(b, off)
	return n == len(b) && (err == nil || err == io.EOF)
}

// orientation is the directory's orientation tag; 1 if it has none or
// an impossible one.
func (d *tiffDir) orientation() Orientation {
	if o, ok := d.uint(tagOrientation); ok && o >= 1 && o <= 8 {
		return Orientation(o)
	}
	return 1
}
