package thumbnail

import (
	"bytes"
	"encoding/binary"
)

// Orientation is the EXIF orientation tag (1..8). 1 means "as stored".
type Orientation int

// orientation finds the EXIF orientation in an encoded JPEG, PNG or WebP
// (a TIFF's and a HEIF's are read by inspect). Any problem (no EXIF,
// damaged EXIF) yields 1: a bad tag must never fail a thumbnail.
func orientation(f Format, data []byte) Orientation {
	var tiff []byte
	switch f {
	case JPEG:
		tiff = jpegExif(data)
	case PNG:
		tiff = pngChunk(data, "eXIf")
	case WebP:
		tiff = webpChunk(data, "EXIF")
		tiff = bytes.TrimPrefix(tiff, []byte("Exif\x00\x00"))
	}
	o := tiffOrientation(tiff)
	if o < 1 || o > 8 {
		return 1
	}
	return o
}

// jpegExif returns the TIFF structure inside the first Exif APP1 segment.
func jpegExif(d []byte) []byte {
	i := 2 // after SOI
	for i+4 <= len(d) {
		if d[i] != 0xFF {
			return nil
		}
		m := d[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xDA || m == 0xD9 { // start of scan, end of image: no more metadata
			return nil
		}
		if m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			return nil
		}
		seg := d[i+4 : i+2+n]
		if m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

func pngChunk(d []byte, typ string) []byte {
	i := 8
	for i+8 <= len(d) {
		n := int(binary.BigEndian.Uint32(d[i:]))
		t := string(d[i+4 : i+8])
		if n < 0 || i+12+n > len(d) {
			return nil
		}
		if t == typ {
			return d[i+8 : i+8+n]
		}
		if t == "IDAT" || t == "IEND" { // eXIf must come before IDAT
			return nil
		}
		i += 12 + n
	}
	return nil
}

func webpChunk(d []byte, typ string) []byte {
	i := 12
	for i+8 <= len(d) {
		n := int(binary.LittleEndian.Uint32(d[i+4:]))
		if n < 0 || i+8+n > len(d) {
			return nil
		}
		if string(d[i:i+4]) == typ {
			return d[i+8 : i+8+n]
		}
		i += 8 + n + n&1
	}
	return nil
}

// tiffOrientation reads the orientation tag (0x0112) from IFD0 of a TIFF
// structure in memory (a TIFF file, an Exif block); 1 if it has none.
func tiffOrientation(t []byte) Orientation {
	if d, ok := readTIFFDir(bytes.NewReader(t), int64(len(t))); ok {
		return d.orientation()
	}
	return 1
}

// swapsAxes reports whether applying o turns width into height.
func (o Orientation) swapsAxes() bool { return o >= 5 && o <= 8 }
