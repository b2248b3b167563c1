package thumbnail

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"io"
)

// layout is what decides the memory a decode takes, read from a file's
// header without decoding: bit depth, channels, interlacing, a GIF's first
// frame. Zero values mean "not known": estimates then assume the worst.
type layout struct {
	depth       int  // bits per sample (8, 16, ...)
	channels    int  // samples per pixel as stored
	interlaced  bool // PNG Adam7
	progressive bool // JPEG SOF2 (or any multi-scan JPEG)
	lossless    bool // WebP VP8L
	paletted    bool
	frame       image.Rectangle // GIF: the first frame, within the logical screen
}

// readLayout parses the header details of a sniffed image. Errors are not
// fatal: the decoder reports damaged data; estimates assume the worst.
func readLayout(f Format, data []byte) layout {
	switch f {
	case PNG:
		return pngLayout(data)
	case JPEG:
		return jpegLayout(data)
	case GIF:
		return gifLayout(data)
	case WebP:
		l := layout{depth: 8, channels: 4}
		l.lossless = len(data) >= 16 && string(data[12:16]) == "VP8L"
		if len(data) >= 16 && string(data[12:16]) == "VP8X" {
			l.lossless = webpChunk(data, "VP8L") != nil
		}
		return l
	case TIFF:
		return tiffLayout(bytes.NewReader(data), int64(len(data)))
	case BMP:
		l := layout{depth: 8, channels: 4}
		if len(data) >= 30 {
			if bpp := binary.LittleEndian.Uint16(data[28:]); bpp <= 8 {
				l.paletted, l.channels = true, 1
			}
		}
		return l
	case HEIF, AVIF:
		return isoLayout(data)
	}
	return layout{}
}

// pngLayout reads IHDR (PNG spec 11.2.2).
func pngLayout(d []byte) layout {
	if len(d) < 29 || string(d[12:16]) != "IHDR" {
		return layout{depth: 16, channels: 4}
	}
	l := layout{depth: int(d[24]), interlaced: d[28] == 1}
	switch d[25] {
	case 0:
		l.channels = 1
	case 2:
		l.channels = 3
	case 3:
		l.channels, l.paletted = 1, true
	case 4:
		l.channels = 2
	case 6:
		l.channels = 4
	}
	return l
}

// jpegLayout reads the frame header (T.81 B.2.2): components, and whether
// the image is progressive.
func jpegLayout(d []byte) layout {
	l := layout{depth: 8, channels: 4, progressive: true} // the worst, until read
	i := 2
	for i+4 <= len(d) {
		if d[i] != 0xFF {
			return l
		}
		m := d[i+1]
		if m == 0xFF {
			i++
			continue
		}
		if m == 0xD8 || m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if i+10 <= len(d) {
				l.depth = int(d[i+4])
				l.channels = int(d[i+9])
				l.progressive = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE
			}
			return l
		}
		if m == 0xDA || n < 2 {
			return l
		}
		i += 2 + n
	}
	return l
}

// gifLayout finds the first image descriptor (GIF89a spec 20) after the
// logical screen, its colour table and any extensions.
func gifLayout(d []byte) layout {
	l := layout{depth: 8, channels: 1, paletted: true}
	if len(d) < 13 {
		return l
	}
	i := 13
	if d[10]&0x80 != 0 {
		i += 3 << (d[10]&7 + 1)
	}
	for i < len(d) {
		switch d[i] {
		case 0x21: // extension: label, then sub-blocks
			i += 2
			for i < len(d) && d[i] != 0 {
				i += int(d[i]) + 1
			}
			i++
		case 0x2C: // image descriptor
			if i+9 > len(d) {
				return l
			}
			x, y := int(binary.LittleEndian.Uint16(d[i+1:])), int(binary.LittleEndian.Uint16(d[i+3:]))
			w, h := int(binary.LittleEndian.Uint16(d[i+5:])), int(binary.LittleEndian.Uint16(d[i+7:]))
			l.frame = image.Rect(x, y, x+w, y+h)
			return l
		default:
			return l
		}
	}
	return l
}

// tiffLayout reads BitsPerSample (258) and SamplesPerPixel (277) of the
// first directory of a TIFF file, wherever it is.
func tiffLayout(r io.ReaderAt, size int64) layout {
	l := layout{depth: 16, channels: 4}
	d, ok := readTIFFDir(r, size)
	if !ok {
		return l
	}
	if depth, ok := d.uint(tagBitsPerSample); ok && depth > 0 {
		l.depth = depth
	}
	l.channels = 1
	if spp, ok := d.uint(tagSamplesPerPixel); ok {
		l.channels = spp
	}
	return l
}

// memoryNeed estimates the bytes a decode of info (to be thumbnailed to
// tw x th) will hold at its peak: the decoder's own buffers, the decoded
// image, and the conversion the scaler may make. It errs high.
func memoryNeed(info Info, l layout, dataLen int, tw, th int) int64 {
	px := int64(info.Width) * int64(info.Height)
	bytesPer := func(depth int) int64 {
		if depth > 8 {
			return 2
		}
		return 1
	}
	var need int64
	switch info.Format {
	case JPEG:
		comps := int64(max(l.channels, 1))
		s := int64(jpegScale(info.Width, info.Height, tw, th))
		switch {
		case !l.progressive:
			need = px * comps / (s * s) // planes at scale; blocks stream
		default:
			per := int64(64) // coefficients kept per block at 1/1, 1/2 and 1/4
			if s == 8 {
				per = 1 // DC alone
			}
			need = px*comps*2*per/64 + px*comps/(s*s)
		}
		if s == 1 {
			need = max(need, px*(comps+4)) // image/jpeg, for what jpegdec refuses, then a conversion
		}
	case PNG:
		if !l.interlaced && pngShrink(info.Width, info.Height, tw, th) >= 2 {
			need = int64(info.Width) * int64(max(l.channels, 1)) * bytesPer(l.depth) * 3 // rows streamed
			need += px * 4 / int64(pngShrink(info.Width, info.Height, tw, th)*pngShrink(info.Width, info.Height, tw, th))
		} else {
			out := int64(4) * bytesPer(l.depth)
			if l.paletted || l.channels == 1 && l.depth <= 8 {
				out = 1
			}
			need = px * (out + 4)
		}
	case GIF:
		f := l.frame
		if f.Empty() {
			f = image.Rect(0, 0, info.Width, info.Height)
		}
		need = int64(f.Dx()) * int64(f.Dy()) * 5 // the frame, then its conversion
	case WebP:
		if l.lossless {
			need = px * 4
		} else {
			need = px * (3 + 4) // YCbCr (and alpha), then a conversion
		}
	case BMP:
		need = px * 8
	case TIFF:
		decoded := int64(max(l.channels, 1)) * bytesPer(l.depth)
		if l.channels >= 3 || l.depth > 8 {
			decoded = 4 * bytesPer(l.depth) // RGBA or RGBA64
		}
		need = px * (decoded + int64(max(l.channels, 1))*bytesPer(l.depth) + 4)
	case HEIF, AVIF:
		need = isoMemoryNeed(info, l)
	default:
		need = px * 8
	}
	return need + int64(dataLen)
}

// checkMemory refuses an image whose decode, and the set made from it,
// would not fit the budget.
func checkMemory(info Info, l layout, dataLen int, opt Options) error {
	targets, dw, dh := plan(info, opt)
	need := memoryNeed(info, l, dataLen, dw, dh) + setNeed(targets, opt.WebP)
	if need <= opt.MaxMemory {
		return nil
	}
	what := fmt.Sprintf("%dx%d %s", info.Width, info.Height, info.Format)
	if l.depth > 8 {
		what = fmt.Sprintf("%dx%d %d-bit %s", info.Width, info.Height, l.depth, info.Format)
	}
	doing := "decoding this " + what
	if len(targets) > 1 || opt.WebP {
		doing += " and making its copies"
	}
	e := newError(KindTooMuchMemory, nil, "%s would need about %s, more than the %s this function may use",
		doing, humanBytes(need), humanBytes(opt.MaxMemory))
	e.Actual, e.Limit = humanBytes(need), humanBytes(opt.MaxMemory)
	return e
}

// setNeed is what making a set holds beyond the decode: every size made
// (4 bytes a pixel, each kept until it is encoded) and the encoder's
// working memory for the largest: for WebP, vp8enc's Y'CbCr source and
// reconstruction (3 bytes a pixel) and quantised levels (3.1), and the
// output.
func setNeed(targets []target, webp bool) int64 {
	var need, largest int64
	for _, t := range targets {
		px := int64(t.w) * int64(t.h)
		need += 4 * px
		largest = max(largest, px)
	}
	if webp {
		return need + 7*largest
	}
	return need + largest
}
