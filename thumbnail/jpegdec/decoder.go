// Package jpegdec decodes baseline JPEG straight to 1/2, 1/4 or 1/8 scale in
// the DCT domain (ITU-T T.81), as libjpeg's scaled decoding does: at 1/8 each
// 8x8 block becomes one pixel from its DC term alone, so a 12 MP photo never
// exists at full size. Files it does not handle (progressive, arithmetic,
// 12-bit, lossless, CMYK, RGB) return ErrUnsupported: callers fall back to
// image/jpeg.
package jpegdec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
)

// ErrUnsupported: a valid JPEG variant this decoder leaves to image/jpeg.
var ErrUnsupported = errors.New("jpegdec: unsupported JPEG variant")

// maxPixels bounds what a frame header may declare: the decoder allocates
// its (reduced) planes from the declared size before reading the scan.
const maxPixels = 1 << 28

// FormatError: the data is not valid JPEG.
type FormatError string

func (e FormatError) Error() string { return "jpegdec: invalid JPEG: " + string(e) }

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
// ceil(w/scale) x ceil(h/scale), an *image.YCbCr or *image.Gray.
func decode(data []byte, scale int) (image.Image, error) {
	if scale != 1 && scale != 2 && scale != 4 && scale != 8 {
		return nil, fmt.Errorf("jpegdec: scale 1/%d: %w", scale, ErrUnsupported)
	}
	d := &decoder{data: data, n: 8 / scale}
	return d.decode()
}

// DecodeSubsampled is Decode keeping chroma subsampling: Y at 1/scale,
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

func (d *decoder) u16(at int) int { return int(binary.BigEndian.Uint16(d.data[at:])) }

func (d *decoder) decode() (image.Image, error) {
	if len(d.data) < 4 || d.data[0] != 0xFF || d.data[1] != 0xD8 {
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
		case m == 0xD8 || m >= 0xD0 && m <= 0xD7 || m == 0x01:
			continue // no length
		case m == 0xD9:
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
		case 0xC0, 0xC1: // baseline, extended sequential (Huffman)
			err = d.frame(seg)
		case 0xC2: // progressive (Huffman)
			d.progressive = true
			err = d.frame(seg)
		case 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
			return nil, ErrUnsupported // lossless, hierarchical, arithmetic
		case 0xC4:
			err = d.dht(seg)
		case 0xDB:
			err = d.dqt(seg)
		case 0xDD:
			if len(seg) < 2 {
				return nil, FormatError("bad DRI")
			}
			d.ri = int(binary.BigEndian.Uint16(seg))
		case 0xEE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe, d.transform = true, seg[11]
			}
		case 0xDA:
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

// ratio maps chroma sampling relative to luma to image's subsample ratios.
func (d *decoder) ratio() (image.YCbCrSubsampleRatio, bool) {
	y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
	if y.h != d.hmax || y.v != d.vmax || cb.h != cr.h || cb.v != cr.v ||
		d.hmax%cb.h != 0 || d.vmax%cb.v != 0 {
		return 0, false
	}
	return ratioOf(d.hmax/cb.h, d.vmax/cb.v)
}

// ratioOf maps luma pixels per chroma sample, across and down, to a ratio.
func ratioOf(sx, sy int) (image.YCbCrSubsampleRatio, bool) {
	switch [2]int{sx, sy} {
	case [2]int{1, 1}:
		return image.YCbCrSubsampleRatio444, true
	case [2]int{2, 1}:
		return image.YCbCrSubsampleRatio422, true
	case [2]int{2, 2}:
		return image.YCbCrSubsampleRatio420, true
	case [2]int{1, 2}:
		return image.YCbCrSubsampleRatio440, true
	case [2]int{4, 1}:
		return image.YCbCrSubsampleRatio411, true
	case [2]int{4, 2}:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

func (d *decoder) scan(s []byte) (image.Image, error) {
	if !d.haveFrame {
		return nil, FormatError("scan before frame")
	}
	if len(s) < 1 {
		return nil, FormatError("short SOS")
	}
	ns := int(s[0])
	if ns < 1 || ns > len(d.comps) || len(s) < 4+2*ns {
		return nil, FormatError("bad SOS")
	}
	if err := d.plan(); err != nil {
		return nil, err
	}
	comps := make([]*component, ns)
	for i := 0; i < ns; i++ {
		id, t := s[1+2*i], s[2+2*i]
		for k := range d.comps {
			if d.comps[k].id == id {
				comps[i] = &d.comps[k]
			}
		}
		c := comps[i]
		if c == nil {
			return nil, FormatError("scan names an unknown component")
		}
		c.td, c.ta = t>>4, t&15
		if c.td > 3 || c.ta > 3 || !d.qtSet[c.tq] {
			return nil, FormatError("scan refers to a missing table")
		}
		c.dc, c.ac, c.q = &d.dc[c.td], &d.ac[c.ta], &d.qt[c.tq]
	}
	ss, se, ah, al := int(s[1+2*ns]), int(s[2+2*ns]), int(s[3+2*ns]>>4), uint(s[3+2*ns]&15)
	if !d.progressive && ns == len(d.comps) && d.coefs == nil {
		if ss != 0 || se != 63 || ah != 0 || al != 0 {
			return nil, FormatError("bad spectral selection for a sequential scan")
		}
		for i, c := range comps {
			if c != &d.comps[i] {
				return nil, ErrUnsupported // scan order differs from frame order
			}
			if !c.dc.present || !c.ac.present {
				return nil, FormatError("scan refers to a missing table")
			}
		}
		return d.streamScan()
	}
	if d.progressive {
		if ss > se || se > 63 || ss == 0 && se != 0 || ss > 0 && ns != 1 || al > 13 {
			return nil, FormatError("bad progressive scan parameters")
		}
	} else if ss != 0 || se != 63 || ah != 0 || al != 0 {
		return nil, FormatError("bad spectral selection for a sequential scan")
	}
	d.scans++
	if d.coefs == nil {
		if err := d.plausible(); err != nil {
			return nil, err
		}
		d.coefs = make([][]int16, len(d.comps))
		for i := range d.comps {
			c := &d.comps[i]
			c.per = 64
			if c.nx*c.ny == 1 {
				c.per = 1 // a block shown as one pixel needs its DC term alone
			}
			d.coefs[i] = make([]int16, c.bx*c.by*c.per)
		}
	}
	if ss > 0 && comps[0].per == 1 {
		d.skipScan() // AC terms this component's pixels do not need
		return nil, nil
	}
	return nil, d.coefScan(comps, ss, se, ah, al)
}

// plan lays out the MCU grid and the output planes once per frame.
func (d *decoder) plan() error {
	if d.planned {
		return nil
	}
	d.planned = true
	if len(d.comps) == 3 {
		if d.adobe && d.transform == 0 || d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B' {
			return ErrUnsupported // RGB JPEG
		}
		var ok bool
		if d.outRatio, ok = d.ratio(); !ok {
			return ErrUnsupported
		}
	}
	if len(d.comps) == 4 && !d.adobe {
		return ErrUnsupported // 4 components without Adobe's marker: no known colour model
	}
	n := d.n
	if len(d.comps) == 1 {
		d.mcusX, d.mcusY = (d.w+7)/8, (d.h+7)/8
	} else {
		d.mcusX, d.mcusY = (d.w+8*d.hmax-1)/(8*d.hmax), (d.h+8*d.vmax-1)/(8*d.vmax)
	}
	// Chroma blocks are decoded larger by their subsampling factor (up to
	// 8x8), so chroma is as sharp as a box filter of the full image gives;
	// the result is 4:4:4 at the reduced scale, or keeps what subsampling
	// is left where 8x8 is not enough (4:1:x at 1/2, any at 1/1).
	for i := range d.comps {
		c := &d.comps[i]
		c.nx, c.ny = min(n*d.hmax/c.h, 8), min(n*d.vmax/c.v, 8)
		if d.subsampled && len(d.comps) == 3 {
			c.nx, c.ny = n, n
		}
		c.bx, c.by = d.mcusX*c.h, d.mcusY*c.v
		c.stride = c.bx * c.nx
	}
	if len(d.comps) == 3 {
		d.outRatio, _ = ratioOf(n*d.hmax/d.comps[1].h/d.comps[1].nx, n*d.vmax/d.comps[1].v/d.comps[1].ny)
	}
	if len(d.comps) == 4 { // CMYK/YCCK: every plane must come out at full (scaled) size
		for i := range d.comps {
			c := &d.comps[i]
			if c.nx*c.h != n*d.hmax || c.ny*c.v != n*d.vmax {
				return ErrUnsupported
			}
		}
	}
	return nil
}

// plausible refuses a scan that could not fit in the bytes left: every
// block costs at least one bit of entropy-coded data. It runs before any
// plane or coefficient buffer is allocated, so a tiny file declaring a huge
// image fails fast and small.
func (d *decoder) plausible() error {
	blocks := 0
	for i := range d.comps {
		blocks += d.comps[i].bx * d.comps[i].by
	}
	if left := len(d.data) - d.pos; blocks > 8*left {
		return FormatError(fmt.Sprintf("%d blocks cannot fit in the %d bytes left: truncated", blocks, left))
	}
	return nil
}

func (d *decoder) allocPlanes() {
	for i := range d.comps {
		c := &d.comps[i]
		c.plane = make([]byte, c.stride*c.by*c.ny)
	}
}

// streamScan decodes a single interleaved sequential scan straight to
// pixels, one block at a time (no coefficient storage).
func (d *decoder) streamScan() (image.Image, error) {
	if err := d.plausible(); err != nil {
		return nil, err
	}
	d.allocPlanes()
	br := &bitReader{data: d.data, pos: d.pos}
	var blk [64]int32
	mcu := 0
	for my := 0; my < d.mcusY; my++ {
		for mx := 0; mx < d.mcusX; mx++ {
			if d.ri > 0 && mcu > 0 && mcu%d.ri == 0 {
				if !br.restart() {
					return nil, FormatError("missing restart marker")
				}
				for i := range d.comps {
					d.comps[i].pred = 0
				}
			}
			mcu++
			for i := range d.comps {
				c := &d.comps[i]
				for v := 0; v < c.v; v++ {
					for h := 0; h < c.h; h++ {
						bx, by := mx*c.h+h, my*c.v+v
						out := c.plane[by*c.ny*c.stride+bx*c.nx:]
						if c.nx*c.ny == 1 { // one pixel: the DC term alone
							dc, err := decodeDCOnly(br, c)
							if err != nil {
								return nil, err
							}
							out[0] = clamp8((dc*c.q[0]+4)>>3 + 128)
							continue
						}
						if err := decodeBlock(br, c, &blk); err != nil {
							return nil, err
						}
						idct(&blk, c.nx, c.ny, out, c.stride)
					}
				}
			}
			if br.overrun() {
				return nil, FormatError("truncated scan")
			}
		}
	}
	return d.image(), nil
}

func (d *decoder) image() image.Image {
	ow, oh := (d.w+8/d.n-1)/(8/d.n), (d.h+8/d.n-1)/(8/d.n)
	r := image.Rect(0, 0, ow, oh)
	if len(d.comps) == 1 {
		c := d.comps[0]
		return &image.Gray{Pix: c.plane, Stride: c.stride, Rect: r}
	}
	if len(d.comps) == 4 {
		return d.cmyk(r)
	}
	return &image.YCbCr{
		Y: d.comps[0].plane, Cb: d.comps[1].plane, Cr: d.comps[2].plane,
		YStride: d.comps[0].stride, CStride: d.comps[1].stride,
		SubsampleRatio: d.outRatio, Rect: r,
	}
}

// cmyk assembles Adobe CMYK or YCCK planes as image/jpeg does: YCCK's first
// three planes are YCbCr whose RGB is taken as C, M and Y; stored CMYK is
// inverted.
func (d *decoder) cmyk(r image.Rectangle) *image.CMYK {
	out := image.NewCMYK(r)
	c0, c1, c2, c3 := d.comps[0], d.comps[1], d.comps[2], d.comps[3]
	for y := 0; y < r.Dy(); y++ {
		o := out.Pix[y*out.Stride:]
		for x := 0; x < r.Dx(); x++ {
			a, b, c, k := c0.plane[y*c0.stride+x], c1.plane[y*c1.stride+x], c2.plane[y*c2.stride+x], c3.plane[y*c3.stride+x]
			if d.transform != 0 {
				a, b, c = color.YCbCrToRGB(a, b, c)
			} else {
				a, b, c = 255-a, 255-b, 255-c
			}
			o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = a, b, c, 255-k
		}
	}
	return out
}

// render turns the gathered coefficients into pixels.
func (d *decoder) render() (image.Image, error) {
	d.allocPlanes()
	var blk [64]int32
	for i := range d.comps {
		c := &d.comps[i]
		q := &d.qt[c.tq]
		coefs := d.coefs[i]
		for by := 0; by < c.by; by++ {
			for bx := 0; bx < c.bx; bx++ {
				src := coefs[(by*c.bx+bx)*c.per:][:c.per]
				blk = [64]int32{}
				for k, v := range src {
					if v != 0 {
						blk[zigzag[k]] = int32(v) * q[k]
					}
				}
				idct(&blk, c.nx, c.ny, c.plane[by*c.ny*c.stride+bx*c.nx:], c.stride)
			}
		}
	}
	return d.image(), nil
}

// skipScan moves past a scan's entropy-coded data without decoding it.
func (d *decoder) skipScan() {
	p := d.pos
	for p+1 < len(d.data) {
		if d.data[p] == 0xFF {
			if m := d.data[p+1]; m != 0 && !(m >= 0xD0 && m <= 0xD7) {
				break
			}
		}
		p++
	}
	d.pos = p
}

// coefScan decodes one scan of a multi-scan image into d.coefs (T.81
// G.1.2: DC first/refine, AC first/refine with end-of-band runs).
func (d *decoder) coefScan(comps []*component, ss, se, ah int, al uint) error {
	br := &bitReader{data: d.data, pos: d.pos}
	defer func() { d.pos = br.pos }()
	d.eobRun = 0
	for _, c := range comps {
		c.pred = 0
		if ss == 0 && ah == 0 && !c.dc.present || ss > 0 && !c.ac.present {
			return FormatError("scan refers to a missing Huffman table")
		}
	}
	// Which blocks the scan covers: interleaved scans walk MCUs (padding
	// blocks included); a one-component scan walks that component's own
	// blocks, without the padding.
	type unit struct{ c, bx, by int }
	var units []unit
	ci := func(c *component) int {
		for i := range d.comps {
			if &d.comps[i] == c {
				return i
			}
		}
		return 0
	}
	total := 0
	var nbx, nby int
	if len(comps) == 1 {
		c := comps[0]
		cw := (d.w*c.h + d.hmax - 1) / d.hmax
		ch := (d.h*c.v + d.vmax - 1) / d.vmax
		if len(d.comps) == 1 {
			cw, ch = d.w, d.h
		}
		nbx, nby = (cw+7)/8, (ch+7)/8
		total = nbx * nby
	} else {
		total = d.mcusX * d.mcusY
		for _, c := range comps {
			for v := 0; v < c.v; v++ {
				for h := 0; h < c.h; h++ {
					units = append(units, unit{ci(c), h, v})
				}
			}
		}
	}
	for m := 0; m < total; m++ {
		if d.ri > 0 && m > 0 && m%d.ri == 0 {
			if !br.restart() {
				return FormatError("missing restart marker")
			}
			for _, c := range comps {
				c.pred = 0
			}
			d.eobRun = 0
		}
		if len(comps) == 1 {
			i := ci(comps[0])
			bx, by := m%nbx, m/nbx
			c := comps[0]
			if err := d.coefBlock(br, c, d.coefs[i][(by*c.bx+bx)*c.per:][:c.per], ss, se, ah, al); err != nil {
				return err
			}
		} else {
			mx, my := m%d.mcusX, m/d.mcusX
			for _, u := range units {
				c := &d.comps[u.c]
				bx, by := mx*c.h+u.bx, my*c.v+u.by
				if err := d.coefBlock(br, c, d.coefs[u.c][(by*c.bx+bx)*c.per:][:c.per], ss, se, ah, al); err != nil {
					return err
				}
			}
		}
		if br.overrun() {
			return FormatError("truncated scan")
		}
	}
	return nil
}

// coefBlock decodes one block's share of a scan into b (zigzag order).
func (d *decoder) coefBlock(br *bitReader, c *component, b []int16, ss, se, ah int, al uint) error {
	if ss == 0 { // DC
		if ah == 0 {
			if err := decodeDC(br, c); err != nil {
				return err
			}
			b[0] = int16(c.pred << al)
		} else if br.bits(1) != 0 {
			b[0] |= 1 << al
		}
		if !d.progressive { // a sequential scan of one component: AC terms follow
			return d.acFirst(br, c, b, 1, 63, 0)
		}
		return nil
	}
	if ah == 0 {
		return d.acFirst(br, c, b, ss, se, al)
	}
	return d.acRefine(br, c, b, ss, se, al)
}

func (d *decoder) acFirst(br *bitReader, c *component, b []int16, ss, se int, al uint) error {
	if d.eobRun > 0 {
		d.eobRun--
		return nil
	}
	for k := ss; k <= se; {
		rs, err := c.ac.decode(br)
		if err != nil {
			return err
		}
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if r < 15 {
				d.eobRun = 1<<r - 1
				if r > 0 {
					d.eobRun += int(br.bits(uint(r)))
				}
				return nil
			}
			k += 16
			continue
		}
		k += r
		if k > se {
			return FormatError("coefficient index past the band")
		}
		if len(b) > 1 {
			b[k] = int16(br.receiveExtend(s) << al)
		} else {
			br.bits(s)
		}
		k++
	}
	return nil
}

func (d *decoder) acRefine(br *bitReader, c *component, b []int16, ss, se int, al uint) error {
	p1, m1 := int16(1)<<al, int16(-1)<<al
	k := ss
	if d.eobRun == 0 {
		for ; k <= se; k++ {
			rs, err := c.ac.decode(br)
			if err != nil {
				return err
			}
			r, s := int(rs>>4), rs&15
			var z int16
			switch s {
			case 0:
				if r != 15 {
					d.eobRun = 1 << r
					if r > 0 {
						d.eobRun += int(br.bits(uint(r)))
					}
					goto eob
				}
			case 1:
				z = m1
				if br.bits(1) != 0 {
					z = p1
				}
			default:
				return FormatError("bad refinement code")
			}
			k = refineNonZeroes(br, b, k, se, r, p1)
			if k > se {
				return FormatError("too many coefficients")
			}
			if z != 0 {
				b[k] = z
			}
		}
	}
eob:
	if d.eobRun > 0 {
		d.eobRun--
		refineNonZeroes(br, b, k, se, -1, p1)
	}
	return nil
}

// refineNonZeroes adds a correction bit to each non-zero coefficient from k
// on, and stops at the (nz+1)-th zero one, whose index it returns.
func refineNonZeroes(br *bitReader, b []int16, k, se, nz int, p1 int16) int {
	for ; k <= se; k++ {
		if b[k] == 0 {
			if nz == 0 {
				break
			}
			nz--
			continue
		}
		if br.bits(1) == 0 {
			continue
		}
		if b[k] >= 0 {
			b[k] += p1
		} else {
			b[k] -= p1
		}
	}
	return k
}

// decodeBlock reads one block's 64 coefficients, dequantised, in natural
// order.
func decodeBlock(br *bitReader, c *component, blk *[64]int32) error {
	*blk = [64]int32{}
	if err := decodeDC(br, c); err != nil {
		return err
	}
	blk[0] = c.pred * c.q[0]
	// As decodeDCOnly: the bit reader's state in locals, refilled eight
	// bytes at a time while no 0xFF is in sight; most coefficients come
	// whole (code and magnitude) from one lookup of the fast table.
	fast, q := &c.ac.fast, c.q
	data := br.data
	acc, n, pos := br.acc, br.n, br.pos
	for k := 1; k < 64; {
		if n < 32 {
			var ok bool
			if !br.marker {
				acc, n, pos, ok = refill8(data, pos, acc, n)
			}
			if !ok {
				br.acc, br.n, br.pos = acc, n, pos
				br.refill()
				acc, n, pos = br.acc, br.n, br.pos
			}
		}
		if f := fast[acc>>(64-lutBits)]; f.n != 0 {
			acc <<= f.n
			n -= uint(f.n)
			k += int(f.run)
			if k > 63 {
				br.acc, br.n, br.pos = acc, n, pos
				return FormatError("coefficient index past 63")
			}
			blk[zigzag[k]] = int32(f.val) * q[k]
			k++
			continue
		}
		// A long code, or a magnitude that does not fit: the table walk.
		br.acc, br.n, br.pos = acc, n, pos
		rs, err := c.ac.decode(br)
		if err != nil {
			return err
		}
		r, sz := int(rs>>4), uint(rs&15)
		if sz == 0 {
			if r != 15 {
				return nil // end of block (the reader's state is in br)
			}
			k += 16
			acc, n, pos = br.acc, br.n, br.pos
			continue
		}
		k += r
		if k > 63 {
			return FormatError("coefficient index past 63")
		}
		blk[zigzag[k]] = br.receiveExtend(sz) * q[k]
		acc, n, pos = br.acc, br.n, br.pos
		k++
	}
	br.acc, br.n, br.pos = acc, n, pos
	return nil
}

// decodeDC reads a block's DC difference and updates the predictor.
func decodeDC(br *bitReader, c *component) error {
	t, err := c.dc.decode(br)
	if err != nil {
		return err
	}
	if t > 15 {
		return FormatError("bad DC category")
	}
	c.pred += br.receiveExtend(uint(t))
	return nil
}

// decodeDCOnly reads a block whose AC terms are not needed (it becomes one
// pixel): it returns the DC coefficient and skips the rest.
func decodeDCOnly(br *bitReader, c *component) (int32, error) {
	if err := decodeDC(br, c); err != nil {
		return 0, err
	}
	// The AC terms are only skipped: one table lookup each, the bit
	// reader's state in locals (registers) and refilled eight bytes at a
	// time while no 0xFF is in sight.
	skip, multi := &c.ac.skip, &c.ac.multi
	data := br.data
	acc, n, pos := br.acc, br.n, br.pos
	for k := 1; k < 64; {
		if n < 32 {
			var ok bool
			if !br.marker {
				acc, n, pos, ok = refill8(data, pos, acc, n)
			}
			if !ok {
				br.acc, br.n, br.pos = acc, n, pos
				br.refill()
				acc, n, pos = br.acc, br.n, br.pos
			}
		}
		// Several symbols at once, unless the last would carry the index
		// past the block (then the bits after it are the next block's).
		// (A block whose last coefficient is the 63rd has no end of
		// block: what follows it is the next block's DC term.)
		if e := multi[acc>>(64-multiBits)]; e != 0 {
			if adv := int(e >> 4 & 0x7f); k+adv < 64 {
				b := uint(e & 15)
				acc <<= b
				n -= b
				if e&multiEOB != 0 {
					break
				}
				k += adv
				continue
			}
		}
		if e := skip[acc>>(64-skipBits)]; e != 0 {
			b := uint(e & 0xff)
			acc <<= b
			n -= b
			k += int(e >> 8)
			continue
		}
		// A code longer than skipBits: the table walk.
		br.acc, br.n, br.pos = acc, n, pos
		rs, err := c.ac.decode(br)
		if err != nil {
			return 0, err
		}
		r, s := int(rs>>4), uint(rs&15)
		if s > 0 && br.n < s {
			br.refill()
		}
		br.skip(s)
		acc, n, pos = br.acc, br.n, br.pos
		switch {
		case s > 0:
			k += r + 1
		case r == 15:
			k += 16
		default:
			k = 64
		}
	}
	br.acc, br.n, br.pos = acc, n, pos
	return c.pred, nil
}

// zigzag maps zigzag index to natural (row-major) index.
var zigzag = [64]int{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}
