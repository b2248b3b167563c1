// Code adapted from golang.org/x/image/vp8 (predfunc.go, reconstruct.go):
// the prediction functions of RFC 6386 chapter 12, run by the encoder on
// the same workspace layout as that decoder, so both predict from the
// same pixels, edges included.
//
// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style licence that can be
// found in LICENSE-x-image beside this file (see NOTICE at the top of the
// repository).

package vp8enc

// nPred is the number of predictor modes, not including the Top/Left versions
// of the DC predictor mode.
const nPred = 10

const (
	predDC = iota
	predTM
	predVE
	predHE
	predRD
	predVR
	predLD
	predVL
	predHD
	predHU
	predDCTop
	predDCLeft
	predDCTopLeft
)

func clip(x, min, max int32) int32 {
	if x < min {
		return min
	}
	if x > max {
		return max
	}
	return x
}

func checkTopLeftPred(mbx, mby int, p uint8) uint8 {
	if p != predDC {
		return p
	}
	if mbx == 0 {
		if mby == 0 {
			return predDCTopLeft
		}
		return predDCLeft
	}
	if mby == 0 {
		return predDCTop
	}
	return predDC
}

var predFunc4 = [...]func(*workspace, int, int){
	predFunc4DC,
	predFunc4TM,
	predFunc4VE,
	predFunc4HE,
	predFunc4RD,
	predFunc4VR,
	predFunc4LD,
	predFunc4VL,
	predFunc4HD,
	predFunc4HU,
	nil,
	nil,
	nil,
}

var predFunc8 = [...]func(*workspace, int, int){
	predFunc8DC,
	predFunc8TM,
	predFunc8VE,
	predFunc8HE,
	nil,
	nil,
	nil,
	nil,
	nil,
	nil,
	predFunc8DCTop,
	predFunc8DCLeft,
	predFunc8DCTopLeft,
}

var predFunc16 = [...]func(*workspace, int, int){
	predFunc16DC,
	predFunc16TM,
	predFunc16VE,
	predFunc16HE,
	nil,
	nil,
	nil,
	nil,
	nil,
	nil,
	predFunc16DCTop,
	predFunc16DCLeft,
	predFunc16DCTopLeft,
}

func predFunc4DC(z *workspace, y, x int) {
	sum := uint32(4)
	for i := 0; i < 4; i++ {
		sum += uint32(z[(y-1)*32+x+i])
	}
	for j := 0; j < 4; j++ {
		sum += uint32(z[(y+j)*32+x-1])
	}
	avg := uint8(sum / 8)
	for j := 0; j < 4; j++ {
		for i := 0; i < 4; i++ {
			z[(y+j)*32+x+i] = avg
		}
	}
}

func predFunc4TM(z *workspace, y, x int) {
	delta0 := -int32(z[(y-1)*32+x-1])
	for j := 0; j < 4; j++ {
		delta1 := delta0 + int32(z[(y+j)*32+x-1])
		for i := 0; i < 4; i++ {
			delta2 := delta1 + int32(z[(y-1)*32+x+i])
			z[(y+j)*32+x+i] = uint8(clip(delta2, 0, 255))
		}
	}
}

func predFunc4VE(z *workspace, y, x int) {
	a := int32(z[(y-1)*32+x-1])
	b := int32(z[(y-1)*32+x+0])
	c := int32(z[(y-1)*32+x+1])
	d := int32(z[(y-1)*32+x+2])
	e := int32(z[(y-1)*32+x+3])
	f := int32(z[(y-1)*32+x+4])
	abc := uint8((a + 2*b + c + 2) / 4)
	bcd := uint8((b + 2*c + d + 2) / 4)
	cde := uint8((c + 2*d + e + 2) / 4)
	def := uint8((d + 2*e + f + 2) / 4)
	for j := 0; j < 4; j++ {
		z[(y+j)*32+x+0] = abc
		z[(y+j)*32+x+1] = bcd
		z[(y+j)*32+x+2] = cde
		z[(y+j)*32+x+3] = def
	}
}

func predFunc4HE(z *workspace, y, x int) {
	s := int32(z[(y+3)*32+x-1])
	r := int32(z[(y+2)*32+x-1])
	q := int32(z[(y+1)*32+x-1])
	p := int32(z[(y+0)*32+x-1])
	a := int32(z[(y-1)*32+x-1])
	ssr := uint8((s + 2*s + r + 2) / 4)
	srq := uint8((s + 2*r + q + 2) / 4)
	rqp := uint8((r + 2*q + p + 2) / 4)
	apq := uint8((a + 2*p + q + 2) / 4)
	for i := 0; i < 4; i++ {
		z[(y+0)*32+x+i] = apq
		z[(y+1)*32+x+i] = rqp
		z[(y+2)*32+x+i] = srq
		z[(y+3)*32+x+i] = ssr
	}
}

func predFunc4RD(z *workspace, y, x int) {
	s := int32(z[(y+3)*32+x-1])
	r := int32(z[(y+2)*32+x-1])
	q := int32(z[(y+1)*32+x-1])
	p := int32(z[(y+0)*32+x-1])
	a := int32(z[(y-1)*32+x-1])
	b := int32(z[(y-1)*32+x+0])
	c := int32(z[(y-1)*32+x+1])
	d := int32(z[(y-1)*32+x+2])
	e := int32(z[(y-1)*32+x+3])
	srq := uint8((s + 2*r + q + 2) / 4)
	rqp := uint8((r + 2*q + p + 2) / 4)
	qpa := uint8((q + 2*p + a + 2) / 4)
	pab := uint8((p + 2*a + b + 2) / 4)
	abc := uint8((a + 2*b + c + 2) / 4)
	bcd := uint8((b + 2*c + d + 2) / 4)
	cde := uint8((c + 2*d + e + 2) / 4)
	z[(y+0)*32+x+0] = pab
	z[(y+0)*32+x+1] = abc
	z[(y+0)*32+x+2] = bcd
	z[(y+0)*32+x+3] = cde
	z[(y+1)*32+x+0] = qpa
	z[(y+1)*32+x+1] = pab
	z[(y+1)*32+x+2] = abc
	z[(y+1)*32+x+3] = bcd
	z[(y+2)*32+x+0] = rqp
	z[(y+2)*32+x+1] = qpa
	z[(y+2)*32+x+2] = pab
	z[(y+2)*32+x+3] = abc
	z[(y+3)*32+x+0] = srq
	z[(y+3)*32+x+1] = rqp
	z[(y+3)*32+x+2] = qpa
	z[(y+3)*32+x+3] = pab
}

func predFunc4VR(z *workspace, y, x int) {
	r := int32(z[(y+2)*32+x-1])
	q := int32(z[(y+1)*32+x-1])
	p := int32(z[(y+0)*32+x-1])
	a := int32(z[(y-1)*32+x-1])
	b := int32(z[(y-1)*32+x+0])
	c := int32(z[(y-1)*32+x+1])
	d := int32(z[(y-1)*32+x+2])
	e := int32(z[(y-1)*32+x+3])
	ab := uint8((a + b + 1) / 2)
	bc := uint8((b + c + 1) / 2)
	cd := uint8((c + d + 1) / 2)
	de := uint8((d + e + 1) / 2)
	rqp := uint8((r + 2*q + p + 2) / 4)
	qpa := uint8((q + 2*p + a + 2) / 4)
	pab := uint8((p + 2*a + b + 2) / 4)
	abc := uint8((a + 2*b + c + 2) / 4)
	bcd := uint8((b + 2*c + d + 2) / 4)
	cde := uint8((c + 2*d + e + 2) / 4)
	z[(y+0)*32+x+0] = ab
	z[(y+0)*32+x+1] = bc
	z[(y+0)*32+x+2] = cd
	z[(y+0)*32+x+3] = de
	z[(y+1)*32+x+0] = pab
	z[(y+1)*32+x+1] = abc
	z[(y+1)*32+x+2] = bcd
	z[(y+1)*32+x+3] = cde
	z[(y+2)*32+x+0] = qpa
	z[(y+2)*32+x+1] = ab
	z[(y+2)*32+x+2] = bc
	z[(y+2)*32+x+3] = cd
	z[(y+3)*32+x+0] = rqp
	z[(y+3)*32+x+1] = pab
	z[(y+3)*32+x+2] = abc
	z[(y+3)*32+x+3] = bcd
}

func predFunc4LD(z *workspace, y, x int) {
	a := int32(z[(y-1)*32+x+0])
	b := int32(z[(y-1)*32+x+1])
	c := int32(z[(y-1)*32+x+2])
	d := int32(z[(y-1)*32+x+3])
	e := int32(z[(y-1)*32+x+4])
	f := int32(z[(y-1)*32+x+5])
	g := int32(z[(y-1)*32+x+6])
	h := int32(z[(y-1)*32+x+7])
	abc := uint8((a + 2*b + c + 2) / 4)
	bcd := uint8((b + 2*c + d + 2) / 4)
	cde := uint8((c + 2*d + e + 2) / 4)
	def := uint8((d + 2*e + f + 2) / 4)
	efg := uint8((e + 2*f + g + 2) / 4)
	fgh := uint8((f + 2*g + h + 2) / 4)
	ghh := uint8((g + 2*h + h + 2) / 4)
	z[(y+0)*32+x+0] = abc
	z[(y+0)*32+x+1] = bcd
	z[(y+0)*32+x+2] = cde
	z[(y+0)*32+x+3] = def
	z[(y+1)*32+x+0] = bcd
	z[(y+1)*32+x+1] = cde
	z[(y+1)*32+x+2] = def
	z[(y+1)*32+x+3] = efg
	z[(y+2)*32+x+0] = cde
	z[(y+2)*32+x+1] = def
	z[(y+2)*32+x+2] = efg
	z[(y+2)*32+x+3] = fgh
	z[(y+3)*32+x+0] = def
	z[(y+3)*32+x+1] = efg
	z[(y+3)*32+x+2] = fgh
	z[(y+3)*32+x+3] = ghh
}

func predFunc4VL(z *workspace, y, x int) {
	a := int32(z[(y-1)*32+x+0])
	b := int32(z[(y-1)*32+x+1])
	c := int32(z[(y-1)*32+x+2])
	d := int32(z[(y-1)*32+x+3])
	e := int32(z[(y-1)*32+x+4])
	f := int32(z[(y-1)*32+x+5])
	g := int32(z[(y-1)*32+x+6])
	h := int32(z[(y-1)*32+x+7])
	ab := uint8((a + b + 1) / 2)
	bc := uint8((b + c + 1) / 2)
	cd := uint8((c + d + 1) / 2)
	de := uint8((d + e + 1) / 2)
	abc := uint8((a + 2*b + c + 2) / 4)
	bcd := uint8((b + 2*c + d + 2) / 4)
	cde := uint8((c + 2*d + e + 2) / 4)
	def := uint8((d + 2*e + f + 2) / 4)
	efg := uint8((e + 2*f + g + 2) / 4)
	fgh := uint8((f + 2*g + h + 2) / 4)
	z[(y+0)*32+x+0] = ab
	z[(y+0)*32+x+1] = bc
	z[(y+0)*32+x+2] = cd
	z[(y+0)*32+x+3] = de
	z[(y+1)*32+x+0] = abc
	z[(y+1)*32+x+1] = bcd
	z[(y+1)*32+x+2] = cde
	z[(y+1)*32+x+3] = def
	z[(y+2)*32+x+0] = bc
	z[(y+2)*32+x+1] = cd
	z[(y+2)*32+x+2] = de
	z[(y+2)*32+x+3] = efg
	z[(y+3)*32+x+0] = bcd
	z[(y+3)*32+x+1] = cde
	z[(y+3)*32+x+2] = def
	z[(y+3)*32+x+3] = fgh
}

func predFunc4HD(z *workspace, y, x int) {
	s := int32(z[(y+3)*32+x-1])
	r := int32(z[(y+2)*32+x-1])
	q := int32(z[(y+1)*32+x-1])
	p := int32(z[(y+0)*32+x-1])
	a := int32(z[(y-1)*32+x-1])
	b := int32(z[(y-1)*32+x+0])
	c := int32(z[(y-1)*32+x+1])
	d := int32(z[(y-1)*32+x+2])
	sr := uint8((s + r + 1) / 2)
	rq := uint8((r + q + 1) / 2)
	qp := uint8((q + p + 1) / 2)
	pa := uint8((p + a + 1) / 2)
	srq := uint8((s + 2*r + q + 2) / 4)
	rqp := uint8((r + 2*q + p + 2) / 4)
	qpa := uint8((q + 2*p + a + 2) / 4)
	pab := uint8((p + 2*a + b + 2) / 4)
	abc := uint8((a + 2*b + c + 2) / 4)
	bcd := uint8((b + 2*c + d + 2) / 4)
	z[(y+0)*32+x+0] = pa
	z[(y+0)*32+x+1] = pab
	z[(y+0)*32+x+2] = abc
	z[(y+0)*32+x+3] = bcd
	z[(y+1)*32+x+0] = qp
	z[(y+1)*32+x+1] = qpa
	z[(y+1)*32+x+2] = pa
	z[(y+1)*32+x+3] = pab
	z[(y+2)*32+x+0] = rq
	z[(y+2)*32+x+1] = rqp
	z[(y+2)*32+x+2] = qp
	z[(y+2)*32+x+3] = qpa
	z[(y+3)*32+x+0] = sr
	z[(y+3)*32+x+1] = srq
	z[(y+3)*32+x+2] = rq
	z[(y+3)*32+x+3] = rqp
}

func predFunc4HU(z *workspace, y, x int) {
	s := int32(z[(y+3)*32+x-1])
	r := int32(z[(y+2)*32+x-1])
	q := int32(z[(y+1)*32+x-1])
	p := int32(z[(y+0)*32+x-1])
	pq := uint8((p + q + 1) / 2)
	qr := uint8((q + r + 1) / 2)
	rs := uint8((r + s + 1) / 2)
	pqr := uint8((p + 2*q + r + 2) / 4)
	qrs := uint8((q + 2*r + s + 2) / 4)
	rss := uint8((r + 2*s + s + 2) / 4)
	sss := uint8(s)
	z[(y+0)*32+x+0] = pq
	z[(y+0)*32+x+1] = pqr
	z[(y+0)*32+x+2] = qr
	z[(y+0)*32+x+3] = qrs
	z[(y+1)*32+x+0] = qr
	z[(y+1)*32+x+1] = qrs
	z[(y+1)*32+x+2] = rs
	z[(y+1)*32+x+3] = rss
	z[(y+2)*32+x+0] = rs
	z[(y+2)*32+x+1] = rss
	z[(y+2)*32+x+2] = sss
	z[(y+2)*32+x+3] = sss
	z[(y+3)*32+x+0] = sss
	z[(y+3)*32+x+1] = sss
	z[(y+3)*32+x+2] = sss
	z[(y+3)*32+x+3] = sss
}

func predFunc8DC(z *workspace, y, x int) {
	sum := uint32(8)
	for i := 0; i < 8; i++ {
		sum += uint32(z[(y-1)*32+x+i])
	}
	for j := 0; j < 8; j++ {
		sum += uint32(z[(y+j)*32+x-1])
	}
	avg := uint8(sum / 16)
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			z[(y+j)*32+x+i] = avg
		}
	}
}

func predFunc8TM(z *workspace, y, x int) {
	delta0 := -int32(z[(y-1)*32+x-1])
	for j := 0; j < 8; j++ {
		delta1 := delta0 + int32(z[(y+j)*32+x-1])
		for i := 0; i < 8; i++ {
			delta2 := delta1 + int32(z[(y-1)*32+x+i])
			z[(y+j)*32+x+i] = uint8(clip(delta2, 0, 255))
		}
	}
}

func predFunc8VE(z *workspace, y, x int) {
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			z[(y+j)*32+x+i] = z[(y-1)*32+x+i]
		}
	}
}

func predFunc8HE(z *workspace, y, x int) {
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			z[(y+j)*32+x+i] = z[(y+j)*32+x-1]
		}
	}
}

func predFunc8DCTop(z *workspace, y, x int) {
	sum := uint32(4)
	for j := 0; j < 8; j++ {
		sum += uint32(z[(y+j)*32+x-1])
	}
	avg := uint8(sum / 8)
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			z[(y+j)*32+x+i] = avg
		}
	}
}

func predFunc8DCLeft(z *workspace, y, x int) {
	sum := uint32(4)
	for i := 0; i < 8; i++ {
		sum += uint32(z[(y-1)*32+x+i])
	}
	avg := uint8(sum / 8)
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			z[(y+j)*32+x+i] = avg
		}
	}
}

func predFunc8DCTopLeft(z *workspace, y, x int) {
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			z[(y+j)*32+x+i] = 0x80
		}
	}
}

func predFunc16DC(z *workspace, y, x int) {
	sum := uint32(16)
	for i := 0; i < 16; i++ {
		sum += uint32(z[(y-1)*32+x+i])
	}
	for j := 0; j < 16; j++ {
		sum += uint32(z[(y+j)*32+x-1])
	}
	avg := uint8(sum / 32)
	for j := 0; j < 16; j++ {
		for i := 0; i < 16; i++ {
			z[(y+j)*32+x+i] = avg
		}
	}
}

func predFunc16TM(z *workspace, y, x int) {
	delta0 := -int32(z[(y-1)*32+x-1])
	for j := 0; j < 16; j++ {
		delta1 := delta0 + int32(z[(y+j)*32+x-1])
		for i := 0; i < 16; i++ {
			delta2 := delta1 + int32(z[(y-1)*32+x+i])
			z[(y+j)*32+x+i] = uint8(clip(delta2, 0, 255))
		}
	}
}

func predFunc16VE(z *workspace, y, x int) {
	for j := 0; j < 16; j++ {
		for i := 0; i < 16; i++ {
			z[(y+j)*32+x+i] = z[(y-1)*32+x+i]
		}
	}
}

func predFunc16HE(z *workspace, y, x int) {
	for j := 0; j < 16; j++ {
		for i := 0; i < 16; i++ {
			z[(y+j)*32+x+i] = z[(y+j)*32+x-1]
		}
	}
}

func predFunc16DCTop(z *workspace, y, x int) {
	sum := uint32(8)
	for j := 0; j < 16; j++ {
		sum += uint32(z[(y+j)*32+x-1])
	}
	avg := uint8(sum / 16)
	for j := 0; j < 16; j++ {
		for i := 0; i < 16; i++ {
			z[(y+j)*32+x+i] = avg
		}
	}
}

func predFunc16DCLeft(z *workspace, y, x int) {
	sum := uint32(8)
	for i := 0; i < 16; i++ {
		sum += uint32(z[(y-1)*32+x+i])
	}
	avg := uint8(sum / 16)
	for j := 0; j < 16; j++ {
		for i := 0; i < 16; i++ {
			z[(y+j)*32+x+i] = avg
		}
	}
}

func predFunc16DCTopLeft(z *workspace, y, x int) {
	for j := 0; j < 16; j++ {
		for i := 0; i < 16; i++ {
			z[(y+j)*32+x+i] = 0x80
		}
	}
}
