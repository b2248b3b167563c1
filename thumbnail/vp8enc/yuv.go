// The fixed-point RGB to Y'CbCr formulas are libwebp's (src/dsp/yuv.h:
// VP8RGBToY, VP8RGBToU, VP8RGBToV):
//
// Copyright (c) 2010, Google Inc. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-libwebp beside this file (see NOTICE at the top of the
// repository).

package vp8enc

import "image"

// planes are a picture in Y'CbCr 4:2:0, BT.601 limited range (what VP8
// codes), padded to whole macroblocks by repeating the last column and row.
type planes struct {
	y, u, v        []byte
	yStride, uvStr int
}

// toYUV converts an opaque NRGBA picture with libwebp's integer formulas
// (RGBToY, RGBToU, RGBToV: 16-bit fixed point, chroma from the sum of each
// 2x2 block).
func toYUV(m *image.NRGBA, mbw, mbh int) planes {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	pw, ph := 16*mbw, 16*mbh
	p := planes{y: make([]byte, pw*ph), u: make([]byte, pw*ph/4), v: make([]byte, pw*ph/4), yStride: pw, uvStr: pw / 2}
	px := func(x, y int) (int32, int32, int32) {
		x, y = min(x, w-1), min(y, h-1)
		i := y*m.Stride + 4*x
		s := m.Pix[i : i+3 : i+3]
		return int32(s[0]), int32(s[1]), int32(s[2])
	}
	for y := 0; y < ph; y++ {
		row := p.y[y*pw : y*pw+pw]
		if y >= h {
			copy(row, p.y[(h-1)*pw:(h-1)*pw+pw])
			continue
		}
		src := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := 0; x < w; x++ {
			r, g, b := int32(src[4*x]), int32(src[4*x+1]), int32(src[4*x+2])
			row[x] = uint8((16839*r + 33059*g + 6420*b + 1<<15 + 16<<16) >> 16)
		}
		for x := w; x < pw; x++ {
			row[x] = row[w-1]
		}
	}
	cw, ch := pw/2, ph/2
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			r0, g0, b0 := px(2*x, 2*y)
			r1, g1, b1 := px(2*x+1, 2*y)
			r2, g2, b2 := px(2*x, 2*y+1)
			r3, g3, b3 := px(2*x+1, 2*y+1)
			r, g, b := r0+r1+r2+r3, g0+g1+g2+g3, b0+b1+b2+b3
			p.u[y*cw+x] = clipUV(-9719*r - 19081*g + 28800*b)
			p.v[y*cw+x] = clipUV(28800*r - 24116*g - 4684*b)
		}
	}
	return p
}

func clipUV(v int32) uint8 {
	v = (v + 1<<17 + 128<<18) >> 18
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}
