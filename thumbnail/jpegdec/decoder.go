package jpegdec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
)

// ErrUnsupported: a valid JPEG variant this decoder leaves to image/jpeg.
var ErrUnsupported = errors.New("jpegdec: unsupported JPEG variant")

// maxPixels bounds what a frame header may declare: the decoder allocates
// its (reduced) planes from the declared size before reading the scan.
const maxPixels = 1 << 28

// FormatError: the data is not valid JPEG.
type FormatError string

func (e FormatError) Error() string { return "jpegdec: invalid JPEG: " + string(e) }

// component is one colour component of the frame (T.81 B.2.2: Ci, Hi,
// Vi, Tqi), with the tables its scan names (B.2.3: Tdj, Taj) and the plane
// it is decoded into.
type component struct {
	id       uint8
	h, v     int
	tq       uint8
	td, ta   uint8
	pred     int32
	plane    []byte
	stride   int // bytes per plane row
	bx, by   int // blocks per row and per column in the plane
	nx, ny   int // output pixels per block, across and down
	per      int // coefficients kept per block in multi-scan images: 1 (DC alone) or 64
	dc, ac   *huffman
	q        *[64]int32
	inScanAt int
}

// decoder is the state of one decode: the marker segments read so far
// and the frame being decoded.
type decoder struct {
	data       []byte
	pos        int
	w, h       int
	comps      []component
	hmax, vmax int
	qt         [4][64]int32 // zigzag order
	qtSet      [4]bool
	dc, ac     [4]huffman
	ri         int
	adobe      bool
	transform  uint8
	n          int // output pixels per block side: 8/scale
	haveFrame  bool

	progressive bool
	// Multi-scan images (progressive, or sequential with one scan per
	// component) gather coefficients here, per component, in zigzag order:
	// 64 per block, or only the DC term when n == 1.
	coefs    [][]int16
	per      int // coefficients kept per block: 1 or 64
	mcusX    int
	mcusY    int
	eobRun   int
	scans    int
	outRatio image.YCbCrSubsampleRatio
	planned  bool
	// subsampled keeps the chroma planes at their own resolution (each
	// block decoded at the luma's scale) instead of enlarging them to the
	// luma's: a third less work at 1/8, for callers that resample the
	// planes themselves.
	subsampled bool
}

// decode decodes data at 1/scale size (scale 1, 2, 4 or 8): the result is
// ceil(w/scale) x ceil(h/scale), an *image.YCbCr, *image.Gray or
// *image.CMYK.
func decode(data []byte, scale int) (image.Image, error) {
	if scale != 1 && scale != 2 && scale != 4 && scale != 8 {
		return nil, fmt.Errorf("jpegdec: scale 1/%d: %w", scale, ErrUnsupported)
	}
	d := &decoder{data: data, n: 8 / scale}
	return d.decode()
}

// DecodeSubsampled decodes data keeping its chroma subsampling: Y at 1/scale,
// Cb and Cr at 1/scale of their own size (a 4:2:0 JPEG at 1/8 gives 4:2:0
// planes of 1/8 and 1/16 the width). Every block of every component is
// decoded at the same reduced size, so at 1/8 all of them are DC terms.
func DecodeSubsampled(data []byte, scale int) (image.Image, error) {
	if scale != 1 && scale != 2 && scale != 4 && scale != 8 {
		return nil, fmt.Errorf("jpegdec: scale 1/%d: %w", scale, ErrUnsupported)
	}
	d := &decoder{data: data, n: 8 / scale, subsampled: true}
	return d.decode()
}

// u16 is the big-endian 16-bit value at data[at:] (marker segment
// lengths and fields, T.81 B.1.1.4).
func (d *decoder) u16(at int) int { return int(binary.BigEndian.Uint16(d.data[at:])) }
