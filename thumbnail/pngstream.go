package thumbnail

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// A PNG's pixels are one zlib stream of filtered rows (PNG spec 9-10):
// they can be decoded a row at a time. decodePNGShrunk does that and
// box-averages k x k blocks as the rows arrive, so a 10000 x 10000 PNG
// (a screenshot of a huge page, or a bomb) is thumbnailed holding a few
// rows and the reduced image, never the full one. Interlaced PNGs (Adam7)
// go to image/png.

// pngShrink is the box factor the scaler would use for a w x h image to be
// thumbnailed to tw x th (see scale): at least twice the target is kept.
func pngShrink(w, h, tw, th int) int {
	return max(min(w/(2*tw), h/(2*th)), 1)
}

var errPNG = errors.New("png")

// decodePNGShrunk decodes a non-interlaced PNG reduced by k (>= 1).
func decodePNGShrunk(data []byte, k int) (*image.NRGBA, error) {
	if len(data) < 8 || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, fmt.Errorf("%w: not a PNG", errPNG)
	}
	var (
		w, h, depth, ctype int
		palette            [][4]uint8
		trns               []byte
		idat               []io.Reader
	)
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n < 0 || i+12+n > len(data) {
			if typ == "IDAT" && i+8 < len(data) { // truncated: decode what is there
				idat = append(idat, bytes.NewReader(data[i+8:]))
			}
			break
		}
		body := data[i+8 : i+8+n]
		switch typ {
		case "IHDR":
			if n < 13 {
				return nil, fmt.Errorf("%w: short IHDR", errPNG)
			}
			w, h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			depth, ctype = int(body[8]), int(body[9])
			if body[12] != 0 {
				return nil, fmt.Errorf("%w: interlaced", errPNG)
			}
		case "PLTE":
			palette = make([][4]uint8, n/3)
			for j := range palette {
				palette[j] = [4]uint8{body[3*j], body[3*j+1], body[3*j+2], 255}
			}
		case "tRNS":
			trns = body
		case "IDAT":
			idat = append(idat, bytes.NewReader(body))
		}
		if typ == "IEND" {
			break
		}
		i += 12 + n
	}
	channels := map[int]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
	if w <= 0 || h <= 0 || channels == 0 || depth == 0 || len(idat) == 0 {
		return nil, fmt.Errorf("%w: bad header", errPNG)
	}
	for j, a := range trns {
		if ctype == 3 && j < len(palette) {
			palette[j][3] = a
		}
	}
	bpp := max(channels*depth/8, 1)        // bytes per complete pixel, for filters
	rowBytes := (w*channels*depth + 7) / 8 // per row, after the filter byte
	z, err := zlib.NewReader(io.MultiReader(idat...))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPNG, err)
	}
	defer z.Close()

	ow, oh := (w+k-1)/k, (h+k-1)/k
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	acc := make([]uint64, 4*ow) // premultiplied sums of the current block row
	cur, prev := make([]byte, rowBytes+1), make([]byte, rowBytes+1)
	rgba := make([]byte, 4*w)
	flush := func(oy, rows int) {
		o := out.Pix[oy*out.Stride:]
		for ox := 0; ox < ow; ox++ {
			cols := min(k, w-ox*k)
			n := uint64(rows * cols)
			s := acc[4*ox : 4*ox+4]
			if a := s[3]; a > 0 {
				o[4*ox] = uint8((s[0] + a/2) / a)
				o[4*ox+1] = uint8((s[1] + a/2) / a)
				o[4*ox+2] = uint8((s[2] + a/2) / a)
				o[4*ox+3] = uint8((a + n/2) / n)
			}
		}
		clear(acc)
	}
	for y := 0; y < h; y++ {
		if _, err := io.ReadFull(z, cur); err != nil {
			return nil, fmt.Errorf("%w: row %d of %d: %v", errPNG, y, h, err)
		}
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return nil, err
		}
		toRGBA(rgba, cur[1:], w, ctype, depth, palette, trns)
		for x := 0; x < w; x++ {
			p := rgba[4*x : 4*x+4 : 4*x+4]
			a := uint64(p[3])
			s := acc[4*(x/k) : 4*(x/k)+4 : 4*(x/k)+4]
			s[0] += uint64(p[0]) * a
			s[1] += uint64(p[1]) * a
			s[2] += uint64(p[2]) * a
			s[3] += a
		}
		if (y+1)%k == 0 || y == h-1 {
			flush(y/k, y%k+1)
		}
		cur, prev = prev, cur
	}
	return out, nil
}

// unfilter reverses a row's filter (PNG spec 9.2) in place.
func unfilter(filter byte, cur, prev []byte, bpp int) error {
	switch filter {
	case 0:
	case 1:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2:
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3:
		for i := 0; i < bpp && i < len(cur); i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4:
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			p := a + b - c
			pa, pb, pc := absInt(p-a), absInt(p-b), absInt(p-c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += uint8(a)
			case pb <= pc:
				cur[i] += uint8(b)
			default:
				cur[i] += uint8(c)
			}
		}
	default:
		return fmt.Errorf("%w: bad filter type %d", errPNG, filter)
	}
	return nil
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// toRGBA converts one unfiltered row to 8-bit non-premultiplied RGBA (16-bit
// samples keep their high byte, as image/png's NRGBA64 does after >>8).
func toRGBA(dst, row []byte, w, ctype, depth int, palette [][4]uint8, trns []byte) {
	sample := func(i int) int { // the i-th sample of the row, at depth bits
		switch depth {
		case 8:
			return int(row[i])
		case 16:
			return int(row[2*i])<<8 | int(row[2*i+1])
		}
		per := 8 / depth
		b := row[i/per]
		shift := uint(8 - depth*(i%per+1))
		return int(b>>shift) & (1<<depth - 1)
	}
	to8 := func(v int) uint8 {
		switch depth {
		case 16:
			return uint8(v >> 8)
		case 8:
			return uint8(v)
		}
		return uint8(v * 255 / (1<<depth - 1))
	}
	var grayKey, rKey, gKey, bKey = -1, -1, -1, -1
	if len(trns) >= 2 && ctype == 0 {
		grayKey = int(binary.BigEndian.Uint16(trns))
	}
	if len(trns) >= 6 && ctype == 2 {
		rKey, gKey, bKey = int(binary.BigEndian.Uint16(trns)), int(binary.BigEndian.Uint16(trns[2:])), int(binary.BigEndian.Uint16(trns[4:]))
	}
	for x := 0; x < w; x++ {
		d := dst[4*x : 4*x+4 : 4*x+4]
		switch ctype {
		case 0:
			v := sample(x)
			g := to8(v)
			d[0], d[1], d[2], d[3] = g, g, g, 255
			if v == grayKey {
				d[3] = 0
			}
		case 2:
			r, g, b := sample(3*x), sample(3*x+1), sample(3*x+2)
			d[0], d[1], d[2], d[3] = to8(r), to8(g), to8(b), 255
			if r == rKey && g == gKey && b == bKey {
				d[3] = 0
			}
		case 3:
			if i := sample(x); i < len(palette) {
				p := palette[i]
				d[0], d[1], d[2], d[3] = p[0], p[1], p[2], p[3]
			} else {
				d[0], d[1], d[2], d[3] = 0, 0, 0, 255
			}
		case 4:
			g := to8(sample(2 * x))
			d[0], d[1], d[2], d[3] = g, g, g, to8(sample(2*x+1))
		case 6:
			d[0], d[1], d[2], d[3] = to8(sample(4*x)), to8(sample(4*x+1)), to8(sample(4*x+2)), to8(sample(4*x+3))
		}
	}
}
