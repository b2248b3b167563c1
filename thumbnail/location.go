package thumbnail

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"regexp"
)

// Location stripping: the GPS tags of a photo's metadata are blanked
// without touching a pixel, by patches of the same length as what they
// replace, so the file keeps its size and every offset in it stays right.
// What is removed: EXIF's GPS IFD (its pointer in IFD0 taken out, its
// entries and values zeroed) in JPEG APP1, PNG eXIf, WebP EXIF, the
// HEIF/AVIF Exif item and a TIFF file's own first directory; and GPS
// properties in XMP packets (JPEG APP1, WebP XMP chunks, PNG iTXt, a
// TIFF's XMLPacket tag), overwritten with spaces. Orientation, camera,
// date and everything else stay.

// Patch replaces len(Data) bytes of a file at Off.
type Patch struct {
	Off  int64
	Data []byte
}

// metaWindow is how much of a file's start is read for its metadata:
// EXIF and XMP come before the image data in files from cameras and
// phones (an HEIF Exif item may be anywhere: read where 'iloc' says).
const metaWindow = 1 << 20

// LocationPatches returns the patches that remove the location from the
// metadata of the image in r (of size bytes): none if it has none.
func LocationPatches(r io.ReaderAt, size int64) ([]Patch, error) {
	head := make([]byte, min(size, metaWindow))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	head = head[:n]
	switch Sniff(head) {
	case JPEG:
		return jpegLocation(head), nil
	case PNG:
		return pngLocation(head), nil
	case WebP:
		return webpLocation(head), nil
	case HEIF, AVIF:
		return heifLocation(r, head)
	case TIFF:
		return tiffLocation(r, size), nil
	}
	return nil, nil
}

// Patched reads a file with patches applied: what is uploaded.
type Patched struct {
	r       io.ReaderAt
	size    int64
	patches []Patch
	off     int64
}

// NewPatched applies patches (as LocationPatches makes them) over r.
func NewPatched(r io.ReaderAt, size int64, patches []Patch) *Patched {
	return &Patched{r: r, size: size, patches: patches}
}

// ReadAt reads p at off, patched.
func (p *Patched) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.r.ReadAt(b, off)
	for _, pt := range p.patches {
		lo, hi := max(pt.Off, off), min(pt.Off+int64(len(pt.Data)), off+int64(n))
		if lo < hi {
			copy(b[lo-off:hi-off], pt.Data[lo-pt.Off:hi-pt.Off])
		}
	}
	return n, err
}

// Read reads from the current offset.
func (p *Patched) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	if rem := p.size - p.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	n, err := p.ReadAt(b, p.off)
	p.off += int64(n)
	if err == io.EOF && p.off < p.size {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}

// Seek sets the offset.
func (p *Patched) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += p.off
	case io.SeekEnd:
		offset += p.size
	}
	if offset < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	p.off = offset
	return offset, nil
}

// jpegLocation walks the segments before the first scan (T.81 B.1.1.5).
func jpegLocation(d []byte) []Patch {
	var out []Patch
	i := 2
	for i+4 <= len(d) {
		if d[i] != 0xFF {
			break
		}
		m := d[i+1]
		if m == 0xFF {
			i++
			continue
		}
		if m == 0xDA || m == 0xD9 {
			break
		}
		if m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			break
		}
		seg := d[i+4 : i+2+n]
		if m == 0xE1 {
			switch {
			case bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
				out = append(out, gpsPatches(seg[6:], int64(i+4+6))...)
			case bytes.HasPrefix(seg, []byte("http://ns.adobe.com/xap/1.0/\x00")):
				out = append(out, xmpPatches(seg, int64(i+4))...)
			}
		}
		i += 2 + n
	}
	return out
}

// pngLocation blanks eXIf (before or after the image data: exiftool
// writes it after) and uncompressed iTXt XMP, fixing each chunk's CRC.
func pngLocation(d []byte) []Patch {
	var out []Patch
	for i := 8; i+12 <= len(d); {
		n := int(binary.BigEndian.Uint32(d[i:]))
		if n < 0 || i+12+n > len(d) {
			break
		}
		typ := string(d[i+4 : i+8])
		body := d[i+8 : i+8+n]
		var ps []Patch
		switch typ {
		case "eXIf":
			ps = gpsPatches(body, int64(i+8))
		case "iTXt":
			// keyword\0 compression-flag compression-method lang\0 key\0 text
			if k := bytes.IndexByte(body, 0); k >= 0 && string(body[:k]) == "XML:com.adobe.xmp" && k+2 < len(body) && body[k+1] == 0 {
				ps = xmpPatches(body, int64(i+8))
			}
		}
		if len(ps) > 0 {
			chunk := append([]byte{}, d[i+4:i+8+n]...)
			for _, p := range ps {
				copy(chunk[p.Off-int64(i+4):], p.Data)
			}
			crc := make([]byte, 4)
			binary.BigEndian.PutUint32(crc, crc32.ChecksumIEEE(chunk))
			out = append(out, ps...)
			out = append(out, Patch{int64(i + 8 + n), crc})
		}
		if typ == "IEND" {
			break
		}
		i += 12 + n
	}
	return out
}

// webpLocation blanks the EXIF and XMP chunks of an extended WebP.
func webpLocation(d []byte) []Patch {
	var out []Patch
	for i := 12; i+8 <= len(d); {
		n := int(binary.LittleEndian.Uint32(d[i+4:]))
		if n < 0 || i+8+n > len(d) {
			break
		}
		body := d[i+8 : i+8+n]
		switch string(d[i : i+4]) {
		case "EXIF":
			skip := 0
			if bytes.HasPrefix(body, []byte("Exif\x00\x00")) {
				skip = 6
			}
			out = append(out, gpsPatches(body[skip:], int64(i+8+skip))...)
		case "XMP ":
			out = append(out, xmpPatches(body, int64(i+8))...)
		}
		i += 8 + n + n&1
	}
	return out
}

// heifLocation blanks the GPS IFD of the Exif item, read where 'iloc'
// puts it.
func heifLocation(r io.ReaderAt, head []byte) ([]Patch, error) {
	h, err := parseHEIF(head)
	if err != nil || len(h.exif) == 0 {
		return nil, nil // no Exif item: no location to remove
	}
	var out []Patch
	for _, e := range h.exif {
		if e.len < 4 || e.len > 16<<20 {
			continue
		}
		item := make([]byte, e.len)
		if _, err := r.ReadAt(item, int64(e.off)); err != nil {
			return nil, err
		}
		skip := int(binary.BigEndian.Uint32(item))
		if 4+skip > len(item) {
			continue
		}
		out = append(out, gpsPatches(item[4+skip:], int64(e.off+4+skip))...)
	}
	return out, nil
}

// gpsPatches removes the GPS IFD of the TIFF structure t, found at file
// offset base (an Exif block in memory).
func gpsPatches(t []byte, base int64) []Patch {
	return gpsPatchesAt(bytes.NewReader(t), int64(len(t)), base)
}

// gpsPatchesAt removes the GPS IFD of the TIFF structure in r (size bytes,
// at file offset base): the GPSInfo entry (tag 0x8825) is taken out of
// IFD0 (the entries after it move up, the count drops by one), and the
// GPS IFD's entries and out-of-line values are zeroed.
func gpsPatchesAt(r io.ReaderAt, size, base int64) []Patch {
	d, ok := readTIFFDir(r, size)
	if !ok {
		return nil
	}
	gps, k, ok := d.find(tagGPSIFD)
	if !ok {
		return nil
	}
	bo := d.bo
	// IFD0 without the GPSInfo entry: count, entries, next-IFD offset.
	table := make([]byte, 2+12*len(d.entries)+4)
	if !readFull(r, table, d.off) || int(bo.Uint16(table)) != len(d.entries) {
		return nil // a directory cut short: not ours to rewrite
	}
	bo.PutUint16(table, uint16(len(d.entries)-1))
	e := 2 + 12*k
	copy(table[e:], table[e+12:])
	clear(table[len(table)-12:])
	out := []Patch{{base + d.off, table}}
	// The GPS IFD itself, and the values it points to, zeroed.
	off := int64(bo.Uint32(gps.value[:]))
	var c [2]byte
	if off < 8 || off+2 > size || !readFull(r, c[:], off) {
		return out
	}
	gn := int64(bo.Uint16(c[:]))
	entries := make([]byte, 12*gn+4)
	if off+2+int64(len(entries)) > size || !readFull(r, entries, off+2) {
		return out
	}
	for k := int64(0); k < gn; k++ {
		ge := entries[12*k:]
		n := int64(typeSize(bo.Uint16(ge[2:]))) * int64(bo.Uint32(ge[4:]))
		if vo := int64(bo.Uint32(ge[8:])); n > 4 && vo >= 8 && vo+n <= size {
			out = append(out, Patch{base + vo, make([]byte, n)})
		}
	}
	return append(out, Patch{base + off, make([]byte, 2+len(entries))})
}

// tiffLocation removes the location from a TIFF file: its GPS IFD, and
// the GPS properties of the XMP packet it may carry (tag 700), wherever
// in the file they are. The pixels are not touched.
func tiffLocation(r io.ReaderAt, size int64) []Patch {
	out := gpsPatchesAt(r, size, 0)
	if d, ok := readTIFFDir(r, size); ok {
		if off, x, ok := d.bytes(tagXMP, 16<<20); ok {
			out = append(out, xmpPatches(x, off)...)
		}
	}
	return out
}

// xmpGPS matches GPS properties of the exif: namespace in XMP, as
// attributes or as elements.
var xmpGPS = regexp.MustCompile(`(?s)exif:GPS[A-Za-z]*="[^"]*"|<exif:GPS([A-Za-z]*)\b[^>]*>.*?</exif:GPS[A-Za-z]*>|<exif:GPS[A-Za-z]*\b[^>]*/>`)

// xmpPatches overwrites the GPS properties of an XMP packet with spaces
// (XMP allows whitespace between properties; the packet keeps its size).
func xmpPatches(x []byte, base int64) []Patch {
	var out []Patch
	for _, m := range xmpGPS.FindAllIndex(x, -1) {
		out = append(out, Patch{base + int64(m[0]), bytes.Repeat([]byte(" "), m[1]-m[0])})
	}
	return out
}
