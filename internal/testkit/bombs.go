package testkit

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// Decompression bombs for tests: small files that decode to huge images.

// PNGBomb is a w x h 8-bit grayscale PNG of zeros (100 MP in about
// 100 KB).
func PNGBomb(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		c := crc32.NewIEEE()
		io.WriteString(c, typ)
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.BigEndian.PutUint32(n[:], c.Sum32())
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8-bit gray
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, w+1)
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// TIFFBomb16 is a w x h 16-bit RGB TIFF, one deflate-compressed strip of
// zeros (10000 x 10000 in well under a megabyte), its directory (IFD)
// first.
func TIFFBomb16(w, h int) []byte { return tiffBomb16(w, h, false) }

// TIFFBomb16DirLast is TIFFBomb16 with its directory after the pixels, at
// the end of the file, where ImageMagick, libtiff and scanners write it.
func TIFFBomb16DirLast(w, h int) []byte { return tiffBomb16(w, h, true) }

// zeroStrips memoizes the deflated zeros of TIFF bombs by size: making
// one is most of a second's work, and several tests of a package use the
// same bomb.
var zeroStrips struct {
	sync.Mutex
	m map[[2]int][]byte
}

// zeroStrip is w x h 16-bit RGB zeros, deflated (zlib).
func zeroStrip(w, h int) *bytes.Buffer {
	zeroStrips.Lock()
	defer zeroStrips.Unlock()
	if z, ok := zeroStrips.m[[2]int{w, h}]; ok {
		return bytes.NewBuffer(z)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, w*6)
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	if zeroStrips.m == nil {
		zeroStrips.m = map[[2]int][]byte{}
	}
	zeroStrips.m[[2]int{w, h}] = z.Bytes()
	return bytes.NewBuffer(z.Bytes())
}

func tiffBomb16(w, h int, dirLast bool) []byte {
	z := zeroStrip(w, h)
	const entries = 10
	ifd, data := 8, 8+2+entries*12+4+6 // the directory, its BitsPerSample values, then the strip
	if dirLast {
		data, ifd = 8, 8+z.Len()+z.Len()&1 // the strip, then the directory (at a word boundary)
	}
	bps := ifd + 2 + entries*12 + 4
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(ifd))
	if dirLast {
		b.Write(z.Bytes())
		if z.Len()&1 == 1 {
			b.WriteByte(0)
		}
	}
	binary.Write(&b, le, uint16(entries))
	entry := func(tag, typ uint16, count, val uint32) {
		binary.Write(&b, le, tag)
		binary.Write(&b, le, typ)
		binary.Write(&b, le, count)
		binary.Write(&b, le, val)
	}
	entry(256, 4, 1, uint32(w))                 // ImageWidth
	entry(257, 4, 1, uint32(h))                 // ImageLength
	entry(258, 3, 3, uint32(bps))               // BitsPerSample 16,16,16 (at an offset)
	entry(259, 3, 1, 8)                         // Compression: deflate
	entry(262, 3, 1, 2)                         // Photometric: RGB
	entry(273, 4, 1, uint32(data))              // StripOffsets
	entry(277, 3, 1, 3)                         // SamplesPerPixel
	entry(278, 4, 1, uint32(h))                 // RowsPerStrip
	entry(279, 4, 1, uint32(z.Len()))           // StripByteCounts
	entry(284, 3, 1, 1)                         // PlanarConfiguration: chunky
	binary.Write(&b, le, uint32(0))             // no next IFD
	binary.Write(&b, le, [3]uint16{16, 16, 16}) // the BitsPerSample values
	if !dirLast {
		b.Write(z.Bytes())
	}
	return b.Bytes()
}

// GIFBomb is a GIF of a few dozen bytes declaring a w x h logical screen
// holding one 1 x 1 frame.
func GIFBomb(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	binary.Write(&b, binary.LittleEndian, [2]uint16{uint16(w), uint16(h)})
	b.Write([]byte{0x80, 0, 0})             // a global colour table of 2 entries
	b.Write([]byte{0, 0, 0, 255, 255, 255}) // black, white
	b.Write([]byte{0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0})
	b.Write([]byte{2, 2, 0x4C, 0x01, 0}) // LZW: min code size 2, one pixel
	b.WriteByte(0x3B)
	return b.Bytes()
}
