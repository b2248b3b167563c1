// idct4 and iwht are adapted from golang.org/x/image/vp8 (idct.go):
//
// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-x-image beside this file (see NOTICE at the top of the
// repository).
//
// fdct4 and fwht are adapted from libwebp (src/dsp/enc.c: FTransform,
// FTransformWHT):
//
// Copyright (c) 2010, Google Inc. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-libwebp beside this file (see NOTICE at the top of the
// repository).

package vp8enc

// The transforms. The inverse ones are the decoder's to the bit (RFC 6386
// sections 14.3 and 14.4, as golang.org/x/image/vp8 and libwebp compute
// them): the encoder predicts from what the decoder will reconstruct. The
// forward ones only need to be close inverses (libwebp's).

// fdct4 transforms the 4x4 residual src-pred (rows of stride bytes) into
// out, in natural order.
func fdct4(src []byte, srcStride int, pred []byte, predStride int, out *[16]int32) {
	var tmp [16]int32
	for i := 0; i < 4; i++ {
		s := src[i*srcStride : i*srcStride+4 : i*srcStride+4]
		p := pred[i*predStride : i*predStride+4 : i*predStride+4]
		d0 := int32(s[0]) - int32(p[0])
		d1 := int32(s[1]) - int32(p[1])
		d2 := int32(s[2]) - int32(p[2])
		d3 := int32(s[3]) - int32(p[3])
		a0 := d0 + d3
		a1 := d1 + d2
		a2 := d1 - d2
		a3 := d0 - d3
		tmp[0+i*4] = (a0 + a1) * 8
		tmp[1+i*4] = (a2*2217 + a3*5352 + 1812) >> 9
		tmp[2+i*4] = (a0 - a1) * 8
		tmp[3+i*4] = (a3*2217 - a2*5352 + 937) >> 9
	}
	for i := 0; i < 4; i++ {
		a0 := tmp[0+i] + tmp[12+i]
		a1 := tmp[4+i] + tmp[8+i]
		a2 := tmp[4+i] - tmp[8+i]
		a3 := tmp[0+i] - tmp[12+i]
		out[0+i] = (a0 + a1 + 7) >> 4
		var nz int32
		if a3 != 0 {
			nz = 1
		}
		out[4+i] = (a2*2217+a3*5352+12000)>>16 + nz
		out[8+i] = (a0 - a1 + 7) >> 4
		out[12+i] = (a3*2217 - a2*5352 + 51000) >> 16
	}
}

// fwht transforms the 16 DC coefficients of a 16x16 luma block (dc[n],
// block n = 4*row + column) for the Y2 block.
func fwht(dc *[16]int32, out *[16]int32) {
	var tmp [16]int32
	for i := 0; i < 4; i++ {
		a0 := dc[i*4+0] + dc[i*4+2]
		a1 := dc[i*4+1] + dc[i*4+3]
		a2 := dc[i*4+1] - dc[i*4+3]
		a3 := dc[i*4+0] - dc[i*4+2]
		tmp[0+i*4] = a0 + a1
		tmp[1+i*4] = a3 + a2
		tmp[2+i*4] = a3 - a2
		tmp[3+i*4] = a0 - a1
	}
	for i := 0; i < 4; i++ {
		a0 := tmp[0+i] + tmp[8+i]
		a1 := tmp[4+i] + tmp[12+i]
		a2 := tmp[4+i] - tmp[12+i]
		a3 := tmp[0+i] - tmp[8+i]
		out[0+i] = (a0 + a1) >> 1
		out[4+i] = (a3 + a2) >> 1
		out[8+i] = (a3 - a2) >> 1
		out[12+i] = (a0 - a1) >> 1
	}
}

// iwht is the decoder's inverse WHT: the 16 DC coefficients, block n at
// dc[n].
func iwht(in *[16]int32, dc *[16]int32) {
	var m [16]int32
	for i := 0; i < 4; i++ {
		a0 := in[0+i] + in[12+i]
		a1 := in[4+i] + in[8+i]
		a2 := in[4+i] - in[8+i]
		a3 := in[0+i] - in[12+i]
		m[0+i] = a0 + a1
		m[8+i] = a0 - a1
		m[4+i] = a3 + a2
		m[12+i] = a3 - a2
	}
	for i := 0; i < 4; i++ {
		d := m[0+i*4] + 3
		a0 := d + m[3+i*4]
		a1 := m[1+i*4] + m[2+i*4]
		a2 := m[1+i*4] - m[2+i*4]
		a3 := d - m[3+i*4]
		// The decoder writes block (4*i + 0..3)'s DC: rows of the WHT
		// output are rows of blocks.
		dc[4*i+0] = int32(int16((a0 + a1) >> 3))
		dc[4*i+1] = int32(int16((a3 + a2) >> 3))
		dc[4*i+2] = int32(int16((a0 - a1) >> 3))
		dc[4*i+3] = int32(int16((a3 - a2) >> 3))
	}
}

func clip8(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// idct4 adds the inverse transform of the dequantised coefficients c
// (natural order) to the 4x4 pixels at dst.
func idct4(c *[16]int32, dst []byte, stride int) {
	const (
		c1 = 85627 // 65536 * cos(pi/8) * sqrt(2)
		c2 = 35468 // 65536 * sin(pi/8) * sqrt(2)
	)
	var m [4][4]int32
	for i := 0; i < 4; i++ {
		c0, c4, c8, c12 := int32(int16(c[i])), int32(int16(c[4+i])), int32(int16(c[8+i])), int32(int16(c[12+i]))
		a := c0 + c8
		b := c0 - c8
		cc := (c4*c2)>>16 - (c12*c1)>>16
		d := (c4*c1)>>16 + (c12*c2)>>16
		m[i][0] = a + d
		m[i][1] = b + cc
		m[i][2] = b - cc
		m[i][3] = a - d
	}
	for j := 0; j < 4; j++ {
		dc := m[0][j] + 4
		a := dc + m[2][j]
		b := dc - m[2][j]
		cc := (m[1][j]*c2)>>16 - (m[3][j]*c1)>>16
		d := (m[1][j]*c1)>>16 + (m[3][j]*c2)>>16
		o := dst[j*stride : j*stride+4 : j*stride+4]
		o[0] = clip8(int32(o[0]) + (a+d)>>3)
		o[1] = clip8(int32(o[1]) + (b+cc)>>3)
		o[2] = clip8(int32(o[2]) + (b-cc)>>3)
		o[3] = clip8(int32(o[3]) + (a-d)>>3)
	}
}
