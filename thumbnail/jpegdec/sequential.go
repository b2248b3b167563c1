package jpegdec

import "image"

// streamScan decodes a single interleaved sequential scan straight to
// pixels, one block at a time (no coefficient storage): MCU by MCU
// (A.2.3), restarting the DC predictions at each RSTn (F.1.2.3, E.1.4).
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

// decodeBlock reads one block's 64 coefficients (T.81 F.2.2: the DC
// difference, then run/size coded AC terms to EOB or ZRL), dequantised,
// in natural order.
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

// decodeDC reads a block's DC difference (T.81 F.2.2.1: a category, then
// as many bits, RECEIVE and EXTEND) and updates the predictor.
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
