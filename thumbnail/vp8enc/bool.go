// The carry handling (pending 0xff bytes) is adapted from libwebp
// (src/utils/bit_writer_utils.c: VP8PutBit, Flush):
//
// Copyright (c) 2010, Google Inc. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-libwebp beside this file (see NOTICE at the top of the
// repository).

package vp8enc

import "math/bits"

// boolEncoder is VP8's boolean entropy coder (RFC 6386 section 7), the
// mirror of the decoder's: each bit is coded with the probability, in
// 256ths, that it is 0. Carries into bytes already written are kept as a
// count of pending 0xff bytes (as libwebp does), so each byte is written
// once.
type boolEncoder struct {
	rangeM1 uint32 // range minus one, 127..254 between calls
	value   uint32
	nBits   int // bits in value not yet written, minus 8
	run     int // 0xff bytes held back until a carry is settled
	buf     []byte
}

func newBoolEncoder(capacity int) *boolEncoder {
	return &boolEncoder{rangeM1: 254, nBits: -8, buf: make([]byte, 0, capacity)}
}

// putBit codes bit with probability prob/256 of being 0.
func (e *boolEncoder) putBit(bit bool, prob uint8) {
	split := (e.rangeM1 * uint32(prob)) >> 8
	if bit {
		e.value += split + 1
		e.rangeM1 -= split + 1
	} else {
		e.rangeM1 = split
	}
	if e.rangeM1 < 127 {
		// Renormalise: shift until the range is at least 128 again.
		shift := bits.LeadingZeros8(uint8(e.rangeM1 + 1))
		e.rangeM1 = (e.rangeM1+1)<<uint(shift) - 1
		e.value <<= uint(shift)
		e.nBits += shift
		if e.nBits > 0 {
			e.flush()
		}
	}
}

// putUniform codes a bit with probability one half.
func (e *boolEncoder) putUniform(bit bool) { e.putBit(bit, 128) }

// putLiteral codes the n low bits of v, most significant first (L(n)).
func (e *boolEncoder) putLiteral(v uint32, n int) {
	for n--; n >= 0; n-- {
		e.putBit(v>>uint(n)&1 == 1, 128)
	}
}

// putSigned codes a magnitude of n bits then a sign.
func (e *boolEncoder) putSigned(v int32, n int) {
	m := v
	if m < 0 {
		m = -m
	}
	e.putLiteral(uint32(m), n)
	e.putUniform(v < 0)
}

func (e *boolEncoder) flush() {
	s := uint(8 + e.nBits)
	b := e.value >> s
	e.value -= b << s
	e.nBits -= 8
	if b&0xff != 0xff {
		if b&0x100 != 0 && len(e.buf) > 0 {
			e.buf[len(e.buf)-1]++ // the carry reaches the last byte written
		}
		fill := byte(0xff)
		if b&0x100 != 0 {
			fill = 0 // ... and turns the held-back 0xff bytes into zeros
		}
		for ; e.run > 0; e.run-- {
			e.buf = append(e.buf, fill)
		}
		e.buf = append(e.buf, byte(b))
	} else {
		e.run++ // may still take a carry
	}
}

// finish pads the coder so the decoder can read every bit, and returns the
// bytes.
func (e *boolEncoder) finish() []byte {
	e.putLiteral(0, 9-e.nBits)
	e.nBits = 0
	e.flush()
	return e.buf
}
