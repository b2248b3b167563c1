package jpegdec

import "errors"

const lutBits = 11

// skipBits index the skip table: AC codes up to this long are skipped in
// one lookup.
const skipBits = 11

// multiBits index the multi-symbol skip table: as many whole AC symbols
// (code and magnitude bits) as fit in this many bits are skipped in one
// lookup.
const multiBits = 12

// Multi-symbol entries: bits taken (low 4 bits), index advance (bits 4-10),
// and whether the last symbol is the end of block.
const multiEOB = 1 << 15

// huffman is a decoding table: a lookup on the next lutBits bits for short
// codes, canonical-code search for the rest.
type huffman struct {
	lut [1 << lutBits]uint16 // (length << 8) | symbol; 0 = not in the table
	// fast decodes a whole AC coefficient in one lookup when its code and
	// magnitude bits fit in lutBits (libjpeg-turbo's fast AC table).
	fast    [1 << lutBits]fastAC
	maxcode [18]int32 // largest code of each length, -1 if none
	valptr  [17]int32 // index into vals of the first code of each length
	mincode [17]int32
	vals    [256]uint8
	present bool
	// skip serves callers that need an AC coefficient's position but not
	// its value (a DC-only decode): for the next skipBits bits, the bits
	// the code and its magnitude take (low byte) and how far the
	// coefficient index moves (high byte: run+1, 16 for ZRL, 64 for end of
	// block); 0 for codes longer than skipBits.
	skip [1 << skipBits]uint16
	// multi is skip for several symbols at once (multiBits, multiEOB).
	multi [1 << multiBits]uint16
}

// fastAC is a decoded (run, value) pair and the bits it took; n == 0 means
// "not in the fast table".
type fastAC struct {
	n   uint8
	run uint8
	val int16
}

func (h *huffman) buildFast() {
	for i, e := range h.lut {
		h.fast[i] = fastAC{}
		if e == 0 {
			continue
		}
		l, sym := uint(e>>8), e&0xFF
		r, sz := uint8(sym>>4), uint(sym&15)
		if sz == 0 || l+sz > lutBits {
			continue
		}
		extra := int32(i>>(lutBits-l-sz)) & (1<<sz - 1)
		if extra < 1<<(sz-1) {
			extra += -1<<sz + 1
		}
		h.fast[i] = fastAC{n: uint8(l + sz), run: r, val: int16(extra)}
	}
}

var errBadHuffman = errors.New("jpeg: bad Huffman table")

// build fills the table from the DHT counts (codes per length 1..16) and
// symbols.
func (h *huffman) build(counts [16]uint8, vals []uint8) error {
	total := 0
	for _, c := range counts {
		total += int(c)
	}
	if total == 0 || total > 256 || total != len(vals) {
		return errBadHuffman
	}
	copy(h.vals[:], vals)
	h.lut = [1 << lutBits]uint16{}
	code, k := int32(0), 0
	for l := 1; l <= 16; l++ {
		n := int(counts[l-1])
		h.valptr[l] = int32(k)
		h.mincode[l] = code
		if n == 0 {
			h.maxcode[l] = -1
		} else {
			for i := 0; i < n; i++ {
				if code >= 1<<l { // more codes than fit in l bits
					return errBadHuffman
				}
				if l <= lutBits {
					shift := lutBits - l
					base := int(code) << shift
					for j := 0; j < 1<<shift; j++ {
						h.lut[base+j] = uint16(l)<<8 | uint16(vals[k])
					}
				}
				code++
				k++
			}
			h.maxcode[l] = code - 1
		}
		code <<= 1
	}
	h.maxcode[17] = 1 << 30
	h.present = true
	h.buildFast()
	h.buildSkip(counts, vals)
	h.buildMulti()
	return nil
}

// buildMulti fills the multi-symbol table from the skip table: for each
// multiBits pattern, the symbols that lie wholly inside it, in order, up
// to an end of block.
func (h *huffman) buildMulti() {
	const mask = 1<<multiBits - 1
	for p := 0; p < 1<<multiBits; p++ {
		pos, adv, eob := 0, 0, false
		for pos < multiBits && adv < 48 {
			window := (p << pos & mask) >> (multiBits - skipBits)
			e := h.skip[window]
			taken := int(e & 0xff)
			if e == 0 || pos+taken > multiBits {
				break // longer than what is left of the pattern
			}
			pos += taken
			if a := int(e >> 8); a == 64 {
				eob = true
				break
			} else {
				adv += a
			}
		}
		var e uint16
		if pos > 0 {
			e = uint16(pos) | uint16(adv)<<4
			if eob {
				e |= multiEOB
			}
		}
		h.multi[p] = e
	}
}

func (h *huffman) buildSkip(counts [16]uint8, vals []uint8) {
	h.skip = [1 << skipBits]uint16{}
	code, k := 0, 0
	for l := 1; l <= 16; l++ {
		for i := 0; i < int(counts[l-1]); i++ {
			if l <= skipBits {
				sym := vals[k]
				r, sz := uint16(sym>>4), uint16(sym&15)
				adv := r + 1
				if sz == 0 {
					adv = 64 // end of block (or a run with no value, read as one)
					if r == 15 {
						adv = 16 // sixteen zeros
					}
				}
				e := adv<<8 | (uint16(l) + sz)
				shift := skipBits - l
				for j := code << shift; j < (code+1)<<shift; j++ {
					h.skip[j] = e
				}
			}
			code++
			k++
		}
		code <<= 1
	}
}

var errBadCode = errors.New("jpeg: bad Huffman code")

// decode reads one symbol.
func (h *huffman) decode(b *bitReader) (uint8, error) {
	if b.n < 16 {
		b.refill()
	}
	if e := h.lut[b.acc>>(64-lutBits)]; e != 0 {
		b.skip(uint(e >> 8))
		return uint8(e), nil
	}
	code := int32(b.acc >> (64 - lutBits))
	for l := lutBits + 1; l <= 16; l++ {
		code = int32(b.acc >> (64 - uint(l)))
		if code <= h.maxcode[l] {
			b.skip(uint(l))
			return h.vals[h.valptr[l]+code-h.mincode[l]], nil
		}
	}
	return 0, errBadCode
}
