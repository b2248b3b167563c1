package jpegdec

import (
	"encoding/binary"
	"fmt"
	"image"
)

// Markers (T.81 Table B.1), named as image/jpeg names them. Each is
// 0xFF then this byte; all but SOI, EOI, RSTn and TEM begin a segment
// whose length follows (B.1.1.4).
const (
	sof0Marker  = 0xC0 // Start Of Frame: baseline sequential, Huffman
	sof1Marker  = 0xC1 // extended sequential, Huffman
	sof2Marker  = 0xC2 // progressive, Huffman
	sof3Marker  = 0xC3 // lossless, Huffman
	dhtMarker   = 0xC4 // Define Huffman Tables
	sof5Marker  = 0xC5 // differential (hierarchical) sequential, Huffman
	sof6Marker  = 0xC6 // differential progressive, Huffman
	sof7Marker  = 0xC7 // differential lossless, Huffman
	sof9Marker  = 0xC9 // extended sequential, arithmetic
	sof10Marker = 0xCA // progressive, arithmetic
	sof11Marker = 0xCB // lossless, arithmetic
	sof13Marker = 0xCD // differential sequential, arithmetic
	sof14Marker = 0xCE // differential progressive, arithmetic
	sof15Marker = 0xCF // differential lossless, arithmetic
	rst0Marker  = 0xD0 // ReSTart 0 (to 7: RST0 + m mod 8)
	rst7Marker  = 0xD7
	soiMarker   = 0xD8 // Start Of Image
	eoiMarker   = 0xD9 // End Of Image
	sosMarker   = 0xDA // Start Of Scan
	dqtMarker   = 0xDB // Define Quantization Tables
	driMarker   = 0xDD // Define Restart Interval
	app14Marker = 0xEE // APP14: Adobe's colour transform
	temMarker   = 0x01 // TEMporary (arithmetic coding), no length
)

// isRST reports whether m is a restart marker, RST0 to RST7.
func isRST(m byte) bool { return m >= rst0Marker && m <= rst7Marker }

// decode reads the marker segments in order (T.81 B.2: the frame, its
// tables, then each scan) and returns the image when the last scan is
// decoded.
func (d *decoder) decode() (image.Image, error) {
	if len(d.data) < 4 || d.data[0] != 0xFF || d.data[1] != soiMarker {
		return nil, FormatError("missing SOI marker")
	}
	d.pos = 2
	for {
		// Find the next marker, skipping fill bytes.
		for d.pos < len(d.data) && d.data[d.pos] != 0xFF {
			d.pos++ // junk between segments: libjpeg warns and goes on
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(d.data) {
			if d.coefs != nil && d.scans > 0 {
				return d.render()
			}
			return nil, FormatError("no image data")
		}
		m := d.data[d.pos]
		d.pos++
		switch {
		case m == soiMarker || isRST(m) || m == temMarker:
			continue // no length
		case m == eoiMarker:
			if d.coefs != nil {
				return d.render()
			}
			return nil, FormatError("end of image before any scan")
		}
		if d.pos+2 > len(d.data) {
			if d.coefs != nil && d.scans > 0 { // a file cut after its last scan
				return d.render()
			}
			return nil, FormatError("truncated segment")
		}
		n := d.u16(d.pos)
		if n < 2 || d.pos+n > len(d.data) {
			return nil, FormatError("truncated segment")
		}
		seg := d.data[d.pos+2 : d.pos+n]
		d.pos += n
		var err error
		switch m {
		case sof0Marker, sof1Marker: // baseline, extended sequential (Huffman)
			err = d.frame(seg)
		case sof2Marker: // progressive (Huffman)
			d.progressive = true
			err = d.frame(seg)
		case sof3Marker, sof5Marker, sof6Marker, sof7Marker, sof9Marker, sof10Marker, sof11Marker, sof13Marker, sof14Marker, sof15Marker:
			return nil, ErrUnsupported // lossless, hierarchical, arithmetic
		case dhtMarker:
			err = d.dht(seg)
		case dqtMarker:
			err = d.dqt(seg)
		case driMarker: // B.2.4.4
			if len(seg) < 2 {
				return nil, FormatError("bad DRI")
			}
			d.ri = int(binary.BigEndian.Uint16(seg))
		case app14Marker: // Adobe Technical Note #5116, "APP14 segment"
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe, d.transform = true, seg[11]
			}
		case sosMarker:
			img, err := d.scan(seg)
			if img != nil || err != nil {
				return img, err
			}
			continue // a scan of a multi-scan image: more follow
		}
		if err != nil {
			return nil, err
		}
	}
}

// frame reads the frame header (T.81 B.2.2): precision, size, and each
// component's id, sampling factors and quantization table.
func (d *decoder) frame(s []byte) error {
	if d.haveFrame {
		return FormatError("two frames")
	}
	d.haveFrame = true
	if len(s) < 6 {
		return FormatError("short SOF")
	}
	if s[0] != 8 {
		return ErrUnsupported // 12-bit
	}
	d.h, d.w = int(binary.BigEndian.Uint16(s[1:])), int(binary.BigEndian.Uint16(s[3:]))
	nf := int(s[5])
	if d.w == 0 || d.h == 0 {
		return ErrUnsupported // height from DNL: leave to image/jpeg
	}
	if int64(d.w)*int64(d.h) > maxPixels {
		return FormatError(fmt.Sprintf("%dx%d is more than %d pixels", d.w, d.h, maxPixels))
	}
	if nf != 1 && nf != 3 && nf != 4 {
		return ErrUnsupported
	}
	if len(s) < 6+3*nf {
		return FormatError("short SOF")
	}
	d.comps = make([]component, nf)
	for i := range d.comps {
		c := &d.comps[i]
		c.id, c.h, c.v, c.tq = s[6+3*i], int(s[7+3*i]>>4), int(s[7+3*i]&15), s[8+3*i]
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return FormatError("bad sampling factors")
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	if nf == 1 {
		d.comps[0].h, d.comps[0].v, d.hmax, d.vmax = 1, 1, 1, 1
	}
	return nil
}

// dqt reads quantization tables (T.81 B.2.4.1), 8- or 16-bit, in zigzag
// order.
func (d *decoder) dqt(s []byte) error {
	for len(s) > 0 {
		pq, tq := s[0]>>4, s[0]&15
		if tq > 3 {
			return FormatError("bad DQT")
		}
		s = s[1:]
		switch pq {
		case 0:
			if len(s) < 64 {
				return FormatError("short DQT")
			}
			for i := 0; i < 64; i++ {
				d.qt[tq][i] = int32(s[i])
			}
			s = s[64:]
		case 1:
			if len(s) < 128 {
				return FormatError("short DQT")
			}
			for i := 0; i < 64; i++ {
				d.qt[tq][i] = int32(binary.BigEndian.Uint16(s[2*i:]))
			}
			s = s[128:]
		default:
			return FormatError("bad DQT precision")
		}
		d.qtSet[tq] = true
	}
	return nil
}

// dht reads Huffman tables (T.81 B.2.4.2): class (DC or AC), slot, code
// counts per length and the symbols.
func (d *decoder) dht(s []byte) error {
	for len(s) > 0 {
		if len(s) < 17 {
			return FormatError("short DHT")
		}
		tc, th := s[0]>>4, s[0]&15
		if tc > 1 || th > 3 {
			return FormatError("bad DHT")
		}
		var counts [16]uint8
		copy(counts[:], s[1:17])
		total := 0
		for _, c := range counts {
			total += int(c)
		}
		if len(s) < 17+total {
			return FormatError("short DHT")
		}
		t := &d.dc[th]
		if tc == 1 {
			t = &d.ac[th]
		}
		if err := t.build(counts, s[17:17+total]); err != nil {
			return err
		}
		s = s[17+total:]
	}
	return nil
}
