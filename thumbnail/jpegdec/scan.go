package jpegdec

import (
	"fmt"
	"image"
)

// scan reads a scan header (T.81 B.2.3: its components and their tables,
// spectral selection Ss..Se, successive approximation Ah, Al) and decodes
// the scan: a single interleaved sequential scan straight to pixels
// (streamScan), any other into the coefficients (coefScan). It returns
// the image after the scan that completes it (sequential), or nil while
// more scans may follow.
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

// plan lays out the MCU grid (T.81 A.2: an MCU is Hmax x Vmax blocks,
// partial MCUs at the edges completed) and the output planes, once per
// frame; it refuses what the output image types cannot hold.
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

// allocPlanes makes each component's output plane.
func (d *decoder) allocPlanes() {
	for i := range d.comps {
		c := &d.comps[i]
		c.plane = make([]byte, c.stride*c.by*c.ny)
	}
}

// zigzag maps zigzag index to natural (row-major) index (T.81 Figure A.6).
var zigzag = [64]int{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}
