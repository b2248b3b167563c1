// acRefine and refineNonZeroes are adapted from Go's image/jpeg (scan.go,
// refine and refineNonZeroes):
//
// Copyright 2012 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-go beside this file (see NOTICE at the top of the
// repository).

package jpegdec

import "image"

// render turns the gathered coefficients of a multi-scan image into
// pixels: dequantized, then the scaled inverse DCT per block.
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

// skipScan moves past a scan's entropy-coded data without decoding it: to
// the first marker that is neither stuffing (0xFF00, F.1.2.3) nor a
// restart.
func (d *decoder) skipScan() {
	p := d.pos
	for p+1 < len(d.data) {
		if d.data[p] == 0xFF {
			if m := d.data[p+1]; m != 0 && !isRST(m) {
				break
			}
		}
		p++
	}
	d.pos = p
}

// coefScan decodes one scan of a multi-scan image into d.coefs (T.81
// G.1.2: DC first/refine, AC first/refine with end-of-band runs; a
// sequential image's scans per component, F.2). Interleaved scans walk
// MCUs, a one-component scan that component's blocks (A.2).
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

// coefBlock decodes one block's share of a scan into b (zigzag order):
// the DC term's first bits (G.1.2.1, F.2.2.1) or a refinement bit, or a
// band of AC terms.
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

// acFirst decodes a band ss..se of AC terms, the first scan for them
// (G.1.2.2; with ss 1 and se 63, a sequential block's, F.2.2.2), with
// end-of-band runs (EOBn) spanning blocks.
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

// acRefine adds one bit of precision to a band of AC terms (G.1.2.3):
// correction bits for the terms already non-zero, and new terms of
// magnitude 1.
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
