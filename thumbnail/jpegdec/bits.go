package jpegdec

import "encoding/binary"

// bitReader reads the entropy-coded segment: a 64-bit accumulator refilled a
// byte at a time, removing 0xFF00 stuffing and stopping (feeding zeros) at a
// marker.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64 // next bits at the top
	n      uint   // valid bits in acc
	marker bool   // a marker was reached; only zeros follow
	zeros  int    // zero bytes fed past a marker or the end
}

// refill8 is the fast path of a refill: the whole bytes that fit in acc
// (n bits valid) taken from data at pos in one load, if none of the next
// eight is 0xFF (no stuffing, no marker); ok false otherwise. Callers that
// keep the reader's state in locals call it directly.
func refill8(data []byte, pos int, acc uint64, n uint) (uint64, uint, int, bool) {
	if pos+8 > len(data) {
		return acc, n, pos, false
	}
	v := binary.BigEndian.Uint64(data[pos:])
	if x := ^v; (x-0x0101010101010101)&^x&0x8080808080808080 != 0 { // a 0xFF byte of v is a zero byte of x
		return acc, n, pos, false
	}
	k := (63 - n) / 8 // whole bytes that fit
	return acc | v>>(64-8*k)<<(64-8*k-n), n + 8*k, pos + int(k), true
}

func (b *bitReader) refill() {
	if !b.marker {
		var ok bool
		if b.acc, b.n, b.pos, ok = refill8(b.data, b.pos, b.acc, b.n); ok {
			return
		}
	}
	for b.n <= 56 {
		var c byte
		if b.marker || b.pos >= len(b.data) {
			b.zeros++
		} else {
			c = b.data[b.pos]
			if c == 0xFF {
				if b.pos+1 < len(b.data) && b.data[b.pos+1] == 0x00 {
					b.pos += 2
				} else {
					b.marker = true // leave pos on the marker
					b.zeros++
					c = 0
				}
			} else {
				b.pos++
			}
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// peek returns the next k bits (k <= 16) without consuming them.
func (b *bitReader) peek(k uint) uint32 {
	if b.n < k {
		b.refill()
	}
	return uint32(b.acc >> (64 - k))
}

func (b *bitReader) skip(k uint) {
	b.acc <<= k
	b.n -= k
}

// bits reads k bits (k <= 16).
func (b *bitReader) bits(k uint) uint32 {
	if k == 0 {
		return 0
	}
	if b.n < k {
		b.refill()
	}
	v := uint32(b.acc >> (64 - k))
	b.acc <<= k
	b.n -= k
	return v
}

// receiveExtend reads an s-bit magnitude category value (T.81 F.2.2.1).
func (b *bitReader) receiveExtend(s uint) int32 {
	if s == 0 {
		return 0
	}
	v := int32(b.bits(s))
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// overrun reports whether decoding has consumed bits that were never in the
// data (a truncated file): more zero padding than a final refill needs.
func (b *bitReader) overrun() bool {
	return b.zeros > 8 && int(b.n) < 8*(b.zeros-8)
}

// restart discards the remaining bits and consumes an RSTn marker (T.81
// F.1.2.3: a restart interval ends byte-aligned).
func (b *bitReader) restart() bool {
	b.acc, b.n, b.zeros = 0, 0, 0
	b.marker = false
	for b.pos+1 < len(b.data) {
		if b.data[b.pos] == 0xFF {
			m := b.data[b.pos+1]
			if isRST(m) {
				b.pos += 2
				return true
			}
			if m == 0xFF {
				b.pos++
				continue
			}
			return false
		}
		b.pos++ // tolerate junk before the marker, as libjpeg does
	}
	return false
}
