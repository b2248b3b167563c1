// prepare is adapted from golang.org/x/image/vp8 (reconstruct.go,
// prepareYBR):
//
// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-x-image beside this file (see NOTICE at the top of the
// repository).
//
// qualityToIndex, the quantiser biases and filterLevel follow libwebp
// (src/enc/quant_enc.c, webp_enc.c: QualityToCompression, kBiasMatrices,
// the default filter strength):
//
// Copyright (c) 2010, Google Inc. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-libwebp beside this file (see NOTICE at the top of the
// repository).

// Package vp8enc encodes lossy WebP (a VP8 key frame in a RIFF
// container, RFC 6386 and the WebP container specification) in pure Go,
// for thumbdrop's WebP twins: fast enough to beside a JPEG encoder, with
// no cgo and no WebAssembly.
//
// It makes the choices a fast encoder makes: per macroblock, the best
// 16x16 luma prediction against the best 4x4 predictions by a
// rate-distortion score, the best chroma prediction, a dead-zone
// quantiser, and token probabilities fitted to the picture (RFC 6386
// section 13.4) in a second pass over the coefficients. One segment, one
// token partition, the normal loop filter at a strength that follows the
// quantiser.
package vp8enc

import (
	"encoding/binary"
	"errors"
	"image"
	"io"
	"math"
)

// ErrNotOpaque: the picture has transparent pixels, which lossy VP8 alone
// cannot carry.
var ErrNotOpaque = errors.New("vp8enc: the picture has transparent pixels")

// MaxSide is the most pixels a VP8 frame has on a side (14 bits).
const MaxSide = 16383

// ErrTooLarge: VP8 frames are at most MaxSide pixels on a side.
var ErrTooLarge = errors.New("vp8enc: the picture is larger than 16383 pixels on a side")

// ErrEmpty: the picture has no pixels.
var ErrEmpty = errors.New("vp8enc: the picture is empty")

// Encode writes m as a lossy WebP of the given quality (1..100, libwebp's
// scale: 80 is its default).
func Encode(w io.Writer, m *image.NRGBA, quality int) error {
	if err := check(m); err != nil {
		return err
	}
	return encode(w, m, quality, -1)
}

func check(m *image.NRGBA) error {
	b := m.Rect
	if b.Dx() < 1 || b.Dy() < 1 {
		return ErrEmpty
	}
	if b.Dx() > MaxSide || b.Dy() > MaxSide {
		return ErrTooLarge
	}
	if !m.Opaque() {
		return ErrNotOpaque
	}
	return nil
}

// encode is Encode with the loop filter's level given (-1: the default
// for the quality).
func encode(w io.Writer, m *image.NRGBA, quality, filter int) error {
	e := newEncoder(m, quality)
	if filter >= 0 {
		e.filterLevel = filter
	}
	e.encodeFrame()
	frame := e.frame()
	var hdr [20]byte
	pad := len(frame) & 1
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(4+8+len(frame)+pad))
	copy(hdr[8:], "WEBPVP8 ")
	binary.LittleEndian.PutUint32(hdr[16:], uint32(len(frame)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := w.Write(frame); err != nil {
		return err
	}
	if pad == 1 {
		_, err := w.Write([]byte{0})
		return err
	}
	return nil
}

// Coefficient planes (RFC 6386 section 13.3).
const (
	planeY1WithY2 = iota // luma AC of a 16x16-predicted macroblock
	planeY2              // the luma DCs' Walsh-Hadamard transform
	planeUV
	planeY1SansY2 // luma of a 4x4-predicted macroblock
	nPlane
)

const (
	nBand    = 8
	nContext = 3
	nProb    = 11
)

var (
	bands  = [17]uint8{0, 1, 2, 3, 6, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 0}
	zigzag = [16]uint8{0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15}
	// cat3456 are the extra bits' probabilities of the large-value
	// categories (section 13.2).
	cat3456 = [4][]uint8{
		{173, 148, 140},
		{176, 155, 140, 135},
		{180, 157, 141, 134, 130},
		{254, 254, 243, 230, 196, 177, 153, 140, 133, 130, 129},
	}
)

// quantizer quantises one kind of coefficient: dead-zone rounding, by a
// reciprocal.
type quantizer struct {
	q    [2]int32 // dequantisation factor: DC, AC
	iq   [2]int32 // (1 << 17) / q
	bias [2]int32 // rounding, in 1/(1 << 17) of a step
}

func newQuantizer(dc, ac uint16, biasDC, biasAC int32) quantizer {
	var z quantizer
	for i, q := range [2]int32{int32(dc), int32(ac)} {
		z.q[i] = q
		z.iq[i] = (1 << 17) / q
		z.bias[i] = []int32{biasDC, biasAC}[i] << 9 // biases are in 256ths of a step
	}
	return z
}

// quantize quantises the coefficients in (natural order) from index
// first, writing the levels and the dequantised values the decoder will
// see, and returns whether any level is non-zero.
func (z *quantizer) quantize(in *[16]int32, first int, levels *[16]int16, deq *[16]int32) bool {
	nz := false
	for i := 0; i < 16; i++ {
		if i < first {
			levels[i], deq[i] = 0, 0
			continue
		}
		k := min(i, 1)
		c := in[i]
		neg := c < 0
		if neg {
			c = -c
		}
		l := (c*z.iq[k] + z.bias[k]) >> 17
		if l > 2048 {
			l = 2048
		}
		if l == 0 {
			levels[i], deq[i] = 0, 0
			continue
		}
		nz = true
		if neg {
			l = -l
		}
		levels[i], deq[i] = int16(l), l*z.q[k]
	}
	return nz
}

// mbInfo is what the first partition says of a macroblock.
type mbInfo struct {
	i16    bool
	yMode  uint8     // the 16x16 prediction (i16)
	modes  [16]uint8 // the 4x4 predictions, raster order (!i16)
	uvMode uint8
	skip   bool // no coefficient is coded
}

// mbLevels are a macroblock's quantised coefficients, natural order:
// 16 luma blocks, 4 U, 4 V, then the Y2 block.
type mbLevels [25][16]int16

// workspace is the decoder's per-macroblock pixel layout (see
// golang.org/x/image/vp8/reconstruct.go): the macroblock's luma at rows
// 1..16, columns 8..23; U at rows 18..25, columns 8..15; V at rows 18..25,
// columns 24..31; with the pixels above and to the left it is predicted
// from.
type workspace [26 * 32]uint8

const (
	wsYX, wsYY = 8, 1
	wsUX, wsUY = 8, 18
	wsVX, wsVY = 24, 18
)

type encoder struct {
	width, height int
	mbw, mbh      int
	src           planes
	rec           planes // reconstructed, as the decoder will have it (before its loop filter)
	qi            int    // quantiser index, 0..127
	y1, y2, uv    quantizer
	lambda        int64 // SSE per bit, in 1/16
	mbs           []mbInfo
	toks          tokenBuf
	levels        []mbLevels // each macroblock's, for the second pass
	// The non-zero contexts of the token coding: bits 0-3 luma, 4-5 U,
	// 6-7 V, as the decoder's nzMask; and the Y2 block's.
	upNz, upY2     []uint8
	leftNz, leftY2 uint8
	upModes        [][4]uint8 // 4x4 prediction contexts along the bottom of the row above
	leftModes      [4]uint8
	ws             workspace
	filterLevel    int
}

// qualityToIndex maps libwebp's quality scale to a quantiser index as
// libwebp does (QualityToCompression: a cube root of a piecewise linear
// ramp), so "quality 80" means much the same thing here.
func qualityToIndex(quality int) int {
	c := float64(min(max(quality, 0), 100)) / 100
	linear := 2*c - 1
	if c < 0.75 {
		linear = c * 2 / 3
	}
	v := math.Pow(linear, 1.0/3)
	return min(max(int(127*(1-v)), 0), 127)
}

func newEncoder(m *image.NRGBA, quality int) *encoder {
	e := &encoder{width: m.Rect.Dx(), height: m.Rect.Dy()}
	e.mbw, e.mbh = (e.width+15)/16, (e.height+15)/16
	e.src = toYUV(m, e.mbw, e.mbh)
	e.rec = planes{y: make([]byte, len(e.src.y)), u: make([]byte, len(e.src.u)), v: make([]byte, len(e.src.v)),
		yStride: e.src.yStride, uvStr: e.src.uvStr}
	e.qi = qualityToIndex(quality)
	q := e.qi
	// Biases as libwebp's (kBiasMatrices): a little under one half.
	e.y1 = newQuantizer(dequantTableDC[q], dequantTableAC[q], 96, 110)
	y2ac := dequantTableAC[q] * 155 / 100
	if y2ac < 8 {
		y2ac = 8
	}
	e.y2 = newQuantizer(dequantTableDC[q]*2, y2ac, 96, 108)
	e.uv = newQuantizer(dequantTableDC[min(q, 117)], dequantTableAC[q], 110, 115)
	// The rate-distortion trade: distortion (SSE) per bit grows with the
	// square of the step.
	ac := int64(dequantTableAC[q])
	e.lambda = max(ac*ac*16/lambdaDiv, 1)
	e.mbs = make([]mbInfo, e.mbw*e.mbh)
	e.upNz, e.upY2 = make([]uint8, e.mbw), make([]uint8, e.mbw)
	e.levels = make([]mbLevels, e.mbw*e.mbh)
	e.upModes = make([][4]uint8, e.mbw)
	e.filterLevel = filterLevel(q)
	return e
}

// lambdaDiv sets the rate-distortion trade (lambda = step^2 / lambdaDiv):
// from 4 to 16 it moves sizes and PSNR by under 0.5% on camera photos.
const lambdaDiv = 8

// filterLevel is the loop filter's strength for a quantiser, after
// libwebp's default (filter strength 60, sharpness 0): about 1.17 times a
// quarter of the AC step, none for the finest steps.
func filterLevel(qi int) int {
	step := int(dequantTableAC[qi]) >> 2
	l := step * 60 * 5 / 256
	if l < 2 {
		return 0
	}
	return min(l, 63)
}

// prepare fills the workspace's borders for macroblock (mbx, mby) from the
// reconstructed picture, exactly as the decoder's prepareYBR does.
func (e *encoder) prepare(mbx, mby int) {
	z := &e.ws
	if mbx == 0 {
		for y := 0; y < 17; y++ {
			z[(y)*32+7] = 0x81
		}
		for y := 17; y < 26; y++ {
			z[(y)*32+7] = 0x81
			z[(y)*32+23] = 0x81
		}
	} else {
		for y := 0; y < 17; y++ {
			z[(y)*32+7] = z[(y)*32+7+16]
		}
		for y := 17; y < 26; y++ {
			z[(y)*32+7] = z[(y)*32+15]
			z[(y)*32+23] = z[(y)*32+31]
		}
	}
	if mby == 0 {
		for x := 7; x < 28; x++ {
			z[(0)*32+x] = 0x7f
		}
		for x := 7; x < 16; x++ {
			z[(17)*32+x] = 0x7f
		}
		for x := 23; x < 32; x++ {
			z[(17)*32+x] = 0x7f
		}
	} else {
		ys, cs := e.rec.yStride, e.rec.uvStr
		copy(z[(0)*32+8:(0)*32+24], e.rec.y[(16*mby-1)*ys+16*mbx:])
		copy(z[(17)*32+8:(17)*32+16], e.rec.u[(8*mby-1)*cs+8*mbx:])
		copy(z[(17)*32+24:(17)*32+32], e.rec.v[(8*mby-1)*cs+8*mbx:])
		if mbx == e.mbw-1 {
			for i := 16; i < 20; i++ {
				z[(0)*32+8+i] = e.rec.y[(16*mby-1)*ys+16*mbx+15]
			}
		} else {
			copy(z[(0)*32+24:(0)*32+28], e.rec.y[(16*mby-1)*ys+16*mbx+16:])
		}
	}
	for y := 4; y < 16; y += 4 {
		copy(z[(y)*32+24:(y)*32+28], z[(0)*32+24:(0)*32+28])
	}
}

// sse is the sum of squared differences of an n x n block.
func sse(a []byte, aStride int, b []byte, bStride int, n int) int64 {
	var s int64
	for y := 0; y < n; y++ {
		ra := a[y*aStride : y*aStride+n : y*aStride+n]
		rb := b[y*bStride : y*bStride+n : y*bStride+n]
		for x := range ra {
			d := int64(ra[x]) - int64(rb[x])
			s += d * d
		}
	}
	return s
}

// encodeFrame chooses and quantises every macroblock, reconstructing each
// as the decoder will.
func (e *encoder) encodeFrame() {
	for mby := 0; mby < e.mbh; mby++ {
		e.leftModes = [4]uint8{}
		e.leftNz, e.leftY2 = 0, 0
		for mbx := 0; mbx < e.mbw; mbx++ {
			e.prepare(mbx, mby)
			e.macroblock(mbx, mby)
		}
	}
}

// predModes16 are the 16x16 and 8x8 predictions, in the order tried.
var predModes16 = [4]uint8{predDC, predTM, predVE, predHE}

// mode16Bits are the 16x16 modes' costs in 1/16 bit (is-16x16 flag
// included).
var mode16Bits = func() (c [4]int64) {
	c[predDC] = bitCost(true, 145) + bitCost(false, 156) + bitCost(false, 163)
	c[predVE] = bitCost(true, 145) + bitCost(false, 156) + bitCost(true, 163)
	c[predHE] = bitCost(true, 145) + bitCost(true, 156) + bitCost(false, 128)
	c[predTM] = bitCost(true, 145) + bitCost(true, 156) + bitCost(true, 128)
	return
}()

// bitCost is the cost in 1/16 bit of coding bit with probability prob.
func bitCost(bit bool, prob uint8) int64 {
	p := float64(prob) / 256
	if bit {
		p = 1 - p
	}
	return int64(math.Round(-math.Log2(p) * 16))
}

func (e *encoder) macroblock(mbx, mby int) {
	n := mby*e.mbw + mbx
	info := &e.mbs[n]
	var levels mbLevels
	lv := &levels
	z := &e.ws
	ys := e.src.yStride
	srcY := e.src.y[16*mby*ys+16*mbx:]

	// 16x16 luma: the prediction closest to the source, then its residual.
	best, bestCost := uint8(0), int64(math.MaxInt64)
	for _, m := range predModes16 {
		predFunc16[checkTopLeftPred(mbx, mby, m)](z, wsYY, wsYX)
		c := sse(srcY, ys, z[(wsYY)*32+wsYX:], 32, 16)*16 + e.lambda*mode16Bits[m]/16
		if c < bestCost {
			best, bestCost = m, c
		}
	}
	predFunc16[checkTopLeftPred(mbx, mby, best)](z, wsYY, wsYX)
	var l16 mbLevels
	rate16 := e.residual16(srcY, ys, &l16) + mode16Bits[best]
	var rec16 [16][16]uint8
	for y := 0; y < 16; y++ {
		copy(rec16[y][:], z[(wsYY+y)*32+wsYX:(wsYY+y)*32+wsYX+16])
	}
	score16 := sse(srcY, ys, z[(wsYY)*32+wsYX:], 32, 16)*16 + e.lambda*rate16/16

	// 4x4 luma, given up as soon as it costs more than 16x16.
	var l4 mbLevels
	var modes [16]uint8
	score4, ok := e.luma4(mbx, srcY, ys, &l4, &modes, score16)
	if ok && score4 < score16 {
		info.i16 = false
		info.modes = modes
		copy(lv[:16], l4[:16])
		lv[24] = [16]int16{}
		for j := 0; j < 4; j++ {
			e.leftModes[j] = modes[4*j+3]
		}
		for i := 0; i < 4; i++ {
			e.upModes[mbx][i] = modes[12+i]
		}
	} else {
		info.i16, info.yMode = true, best
		copy(lv[:16], l16[:16])
		lv[24] = l16[24]
		for y := 0; y < 16; y++ {
			copy(z[(wsYY+y)*32+wsYX:(wsYY+y)*32+wsYX+16], rec16[y][:])
		}
		e.leftModes = [4]uint8{best, best, best, best}
		e.upModes[mbx] = [4]uint8{best, best, best, best}
	}

	// Chroma: one prediction for both planes.
	cs := e.src.uvStr
	srcU := e.src.u[8*mby*cs+8*mbx:]
	srcV := e.src.v[8*mby*cs+8*mbx:]
	bestUV, bestUVCost := uint8(0), int64(math.MaxInt64)
	for _, m := range predModes16 {
		p := checkTopLeftPred(mbx, mby, m)
		predFunc8[p](z, wsUY, wsUX)
		predFunc8[p](z, wsVY, wsVX)
		c := sse(srcU, cs, z[(wsUY)*32+wsUX:], 32, 8) + sse(srcV, cs, z[(wsVY)*32+wsVX:], 32, 8)
		if c < bestUVCost {
			bestUV, bestUVCost = m, c
		}
	}
	p := checkTopLeftPred(mbx, mby, bestUV)
	predFunc8[p](z, wsUY, wsUX)
	predFunc8[p](z, wsVY, wsVX)
	info.uvMode = bestUV
	nzUV := e.residual8(srcU, cs, wsUY, wsUX, lv[16:20])
	nzUV = e.residual8(srcV, cs, wsVY, wsVX, lv[20:24]) || nzUV

	info.skip = !nzUV && allZero(lv[:16]) && (!info.i16 || allZero(lv[24:25]))
	e.levels[n] = *lv
	e.record(mbx, info, lv)

	// The reconstruction, for the macroblocks predicted from this one.
	ry := e.rec.y[16*mby*ys+16*mbx:]
	for y := 0; y < 16; y++ {
		copy(ry[y*ys:y*ys+16], z[(wsYY+y)*32+wsYX:(wsYY+y)*32+wsYX+16])
	}
	ru := e.rec.u[8*mby*cs+8*mbx:]
	rv := e.rec.v[8*mby*cs+8*mbx:]
	for y := 0; y < 8; y++ {
		copy(ru[y*cs:y*cs+8], z[(wsUY+y)*32+wsUX:(wsUY+y)*32+wsUX+8])
		copy(rv[y*cs:y*cs+8], z[(wsVY+y)*32+wsVX:(wsVY+y)*32+wsVX+8])
	}
}

func allZero(blocks [][16]int16) bool {
	for i := range blocks {
		for _, v := range blocks[i] {
			if v != 0 {
				return false
			}
		}
	}
	return true
}

// residual16 transforms, quantises and reconstructs (into the workspace,
// over the prediction there) the luma of a 16x16-predicted macroblock,
// and returns an estimate of its bits in 1/16 bit.
func (e *encoder) residual16(src []byte, stride int, lv *mbLevels) int64 {
	z := &e.ws
	var coef [16][16]int32
	var dc, y2, deq [16]int32
	for b := 0; b < 16; b++ {
		y, x := 4*(b/4), 4*(b%4)
		fdct4(src[y*stride+x:], stride, z[(wsYY+y)*32+wsYX+x:], 32, &coef[b])
		dc[b] = coef[b][0]
	}
	fwht(&dc, &y2)
	var dq2 [16]int32
	e.y2.quantize(&y2, 0, &lv[24], &dq2)
	rate := levelBits(&lv[24], 0)
	var dcs [16]int32
	iwht(&dq2, &dcs)
	for b := 0; b < 16; b++ {
		e.y1.quantize(&coef[b], 1, &lv[b], &deq)
		rate += levelBits(&lv[b], 1)
		deq[0] = dcs[b]
		y, x := 4*(b/4), 4*(b%4)
		idct4(&deq, z[(wsYY+y)*32+wsYX+x:], 32)
	}
	return rate
}

// residual8 does the same for one chroma plane's four blocks, and says
// whether any level is non-zero.
func (e *encoder) residual8(src []byte, stride, wy, wx int, lv [][16]int16) bool {
	z := &e.ws
	var coef, deq [16]int32
	nz := false
	for b := 0; b < 4; b++ {
		y, x := 4*(b/2), 4*(b%2)
		fdct4(src[y*stride+x:], stride, z[(wy+y)*32+wx+x:], 32, &coef)
		if e.uv.quantize(&coef, 0, &lv[b], &deq) {
			nz = true
			idct4(&deq, z[(wy+y)*32+wx+x:], 32)
		}
	}
	return nz
}

// luma4 codes the luma with 4x4 predictions, each sub-block's mode the one
// with the lowest distortion and mode cost, and returns its score; it
// stops (ok false) once the score passes limit.
func (e *encoder) luma4(mbx int, src []byte, stride int, lv *mbLevels, modes *[16]uint8, limit int64) (score int64, ok bool) {
	z := &e.ws
	score = e.lambda * bitCost(false, 145) / 16
	var coef, deq [16]int32
	for b := 0; b < 16; b++ {
		j, i := b/4, b%4
		y, x := wsYY+4*j, wsYX+4*i
		above := e.upModes[mbx][i]
		if j > 0 {
			above = modes[b-4]
		}
		left := e.leftModes[j]
		if i > 0 {
			left = modes[b-1]
		}
		s := src[4*j*stride+4*i:]
		costs := &mode4Bits[above][left]
		best, bestCost := uint8(0), int64(math.MaxInt64)
		for m := uint8(0); m < nPred; m++ {
			predFunc4[m](z, y, x)
			c := sse(s, stride, z[(y)*32+x:], 32, 4)*16 + e.lambda*costs[m]/16
			if c < bestCost {
				best, bestCost = m, c
			}
		}
		modes[b] = best
		predFunc4[best](z, y, x)
		fdct4(s, stride, z[(y)*32+x:], 32, &coef)
		if e.y1.quantize(&coef, 0, &lv[b], &deq) {
			idct4(&deq, z[(y)*32+x:], 32)
		}
		score += sse(s, stride, z[(y)*32+x:], 32, 4)*16 + e.lambda*(levelBits(&lv[b], 0)+costs[best])/16
		if score >= limit {
			return score, false
		}
	}
	return score, true
}

// mode4Bits[above][left][mode] is the cost in 1/16 bit of a 4x4 mode.
var mode4Bits = func() (c [nPred][nPred][nPred]int64) {
	// The tree of section 11.2: each mode's path of (node, bit).
	paths := [nPred][]struct {
		node int
		bit  bool
	}{
		predDC: {{0, false}},
		predTM: {{0, true}, {1, false}},
		predVE: {{0, true}, {1, true}, {2, false}},
		predHE: {{0, true}, {1, true}, {2, true}, {3, false}, {4, false}},
		predRD: {{0, true}, {1, true}, {2, true}, {3, false}, {4, true}, {5, false}},
		predVR: {{0, true}, {1, true}, {2, true}, {3, false}, {4, true}, {5, true}},
		predLD: {{0, true}, {1, true}, {2, true}, {3, true}, {6, false}},
		predVL: {{0, true}, {1, true}, {2, true}, {3, true}, {6, true}, {7, false}},
		predHD: {{0, true}, {1, true}, {2, true}, {3, true}, {6, true}, {7, true}, {8, false}},
		predHU: {{0, true}, {1, true}, {2, true}, {3, true}, {6, true}, {7, true}, {8, true}},
	}
	for a := 0; a < nPred; a++ {
		for l := 0; l < nPred; l++ {
			for m := 0; m < nPred; m++ {
				for _, s := range paths[m] {
					c[a][l][m] += bitCost(s.bit, predProb[a][l][s.node])
				}
			}
		}
	}
	return
}()

// levelBits estimates, in 1/16 bit, what a block's levels cost to code
// with typical probabilities: the tokens up to the last non-zero one and
// the end of block.
func levelBits(l *[16]int16, first int) int64 {
	last := -1
	for n := 15; n >= first; n-- {
		if l[zigzag[n]] != 0 {
			last = n
			break
		}
	}
	if last < 0 {
		return 16 // an end of block at once: about a bit
	}
	var bits int64 = 16 // the final end of block
	for n := first; n <= last; n++ {
		v := l[zigzag[n]]
		if v < 0 {
			v = -v
		}
		bits += tokenBits[min(int(v), len(tokenBits)-1)]
	}
	return bits
}

// tokenBits[v] approximates the cost in 1/16 bit of a coefficient of
// magnitude v, sign included.
var tokenBits = func() (t [68]int64) {
	t[0] = 24 // a zero: about 1.5 bits
	for v := 1; v < len(t); v++ {
		t[v] = 16*2 + int64(math.Round(16*2*math.Log2(float64(v)+1)))
	}
	return
}()
