package vp8enc

import "encoding/binary"

// tokenBuf takes the coefficient tokens' bits as they are decided, in two
// passes over the same levels: first it counts them per context (the
// statistics the fitted probabilities need), then, with enc set, it codes
// them with the probabilities chosen. Nothing per bit is kept between the
// passes: the quantised levels (a fixed 3 bytes a pixel) are, where a
// recorded bit stream would grow with the picture's detail.
type tokenBuf struct {
	stats [nFlat][2]uint32
	enc   *boolEncoder // nil while counting
	probs [nFlat]uint8 // the context probabilities, flat, once chosen
}

const nFlat = nPlane * nBand * nContext * nProb

func flatIndex(plane, band, ctx, node int) int {
	return ((plane*nBand+band)*nContext+ctx)*nProb + node
}

func (s *tokenBuf) bit(b bool, plane, band, ctx, node int) {
	i := flatIndex(plane, band, ctx, node)
	if s.enc != nil {
		s.enc.putBit(b, s.probs[i])
		return
	}
	if b {
		s.stats[i][1]++
	} else {
		s.stats[i][0]++
	}
}

func (s *tokenBuf) fixed(b bool, prob uint8) {
	if s.enc != nil {
		s.enc.putBit(b, prob)
	}
}

// startCoding switches from counting to coding with probs.
func (s *tokenBuf) startCoding(e *boolEncoder, probs *[nPlane][nBand][nContext][nProb]uint8) {
	for i := 0; i < nFlat; i++ {
		l := i % nProb
		k := i / nProb % nContext
		j := i / (nProb * nContext) % nBand
		p := i / (nProb * nContext * nBand)
		s.probs[i] = probs[p][j][k][l]
	}
	s.enc = e
}

// block emits the tokens of one block's levels (natural order) from index
// first, in context ctx, and returns whether any was non-zero (the
// context of the blocks after it). It is the mirror of the decoder's
// parseResiduals4 (RFC 6386 section 13).
func block(s *tokenBuf, l *[16]int16, plane, ctx, first int) int {
	last := -1
	for n := 15; n >= first; n-- {
		if l[zigzag[n]] != 0 {
			last = n
			break
		}
	}
	n := first
	band := int(bands[n])
	if last < 0 {
		s.bit(false, plane, band, ctx, 0) // end of block
		return 0
	}
	s.bit(true, plane, band, ctx, 0)
	for {
		v := int(l[zigzag[n]])
		neg := v < 0
		if neg {
			v = -v
		}
		if v == 0 {
			s.bit(false, plane, band, ctx, 1)
			n++
			band, ctx = int(bands[n]), 0
			continue // no end of block can follow a zero
		}
		s.bit(true, plane, band, ctx, 1)
		if v == 1 {
			s.bit(false, plane, band, ctx, 2)
			ctx = 1
		} else {
			s.bit(true, plane, band, ctx, 2)
			switch {
			case v <= 4:
				s.bit(false, plane, band, ctx, 3)
				if v == 2 {
					s.bit(false, plane, band, ctx, 4)
				} else {
					s.bit(true, plane, band, ctx, 4)
					s.bit(v == 4, plane, band, ctx, 5)
				}
			case v <= 10:
				s.bit(true, plane, band, ctx, 3)
				s.bit(false, plane, band, ctx, 6)
				if v <= 6 {
					s.bit(false, plane, band, ctx, 7)
					s.fixed(v == 6, 159)
				} else {
					s.bit(true, plane, band, ctx, 7)
					s.fixed((v-7)&2 != 0, 165)
					s.fixed((v-7)&1 != 0, 145)
				}
			default:
				s.bit(true, plane, band, ctx, 3)
				s.bit(true, plane, band, ctx, 6)
				cat, base := 3, 67
				switch {
				case v <= 18:
					cat, base = 0, 11
				case v <= 34:
					cat, base = 1, 19
				case v <= 66:
					cat, base = 2, 35
				}
				s.bit(cat >= 2, plane, band, ctx, 8)
				s.bit(cat&1 == 1, plane, band, ctx, 9+cat/2)
				tab := cat3456[cat]
				extra := v - base
				for i, p := range tab {
					s.fixed(extra>>uint(len(tab)-1-i)&1 == 1, p)
				}
			}
			ctx = 2
		}
		s.fixed(neg, 128)
		n++
		if n == 16 {
			return 1
		}
		band = int(bands[n])
		if n > last {
			s.bit(false, plane, band, ctx, 0)
			return 1
		}
		s.bit(true, plane, band, ctx, 0)
	}
}

// record emits a macroblock's coefficient tokens, tracking the non-zero
// contexts exactly as the decoder does (parseResiduals, and its reset of
// them for a skipped macroblock).
func (e *encoder) record(mbx int, info *mbInfo, lv *mbLevels) {
	s := &e.toks
	if info.skip {
		if info.i16 {
			e.leftY2, e.upY2[mbx] = 0, 0
		}
		e.leftNz, e.upNz[mbx] = 0, 0
		return
	}
	plane, first := planeY1SansY2, 0
	if info.i16 {
		nz := uint8(block(s, &lv[24], planeY2, int(e.leftY2+e.upY2[mbx]), 0))
		e.leftY2, e.upY2[mbx] = nz, nz
		plane, first = planeY1WithY2, 1
	}
	leftNz, upNz := e.leftNz, e.upNz[mbx]
	var lnz, unz [4]uint8
	for i := 0; i < 4; i++ {
		lnz[i] = leftNz >> uint(i) & 1
		unz[i] = upNz >> uint(i) & 1
	}
	for y := 0; y < 4; y++ {
		nz := lnz[y]
		for x := 0; x < 4; x++ {
			nz = uint8(block(s, &lv[4*y+x], plane, int(nz+unz[x]), first))
			unz[x] = nz
		}
		lnz[y] = nz
	}
	newLeft := lnz[0] | lnz[1]<<1 | lnz[2]<<2 | lnz[3]<<3
	newUp := unz[0] | unz[1]<<1 | unz[2]<<2 | unz[3]<<3
	// Chroma: U then V, 2x2 blocks each; the decoder keeps their contexts
	// in bits 4-5 (U) and 6-7 (V).
	for c := 0; c < 4; c += 2 {
		var l2, u2 [2]uint8
		for i := 0; i < 2; i++ {
			l2[i] = leftNz >> uint(4+c+i) & 1
			u2[i] = upNz >> uint(4+c+i) & 1
		}
		for y := 0; y < 2; y++ {
			nz := l2[y]
			for x := 0; x < 2; x++ {
				nz = uint8(block(s, &lv[16+2*c+2*y+x], planeUV, int(nz+u2[x]), 0))
				u2[x] = nz
			}
			l2[y] = nz
		}
		newLeft |= (l2[0] | l2[1]<<1) << uint(4+c)
		newUp |= (u2[0] | u2[1]<<1) << uint(4+c)
	}
	e.leftNz, e.upNz[mbx] = newLeft, newUp
}

// fitProbs chooses each token probability: the default, or the one the
// picture's own counts give where writing it (8 bits and its update flag)
// costs less than it saves.
func fitProbs(st *[nFlat][2]uint32) (probs [nPlane][nBand][nContext][nProb]uint8, update [nPlane][nBand][nContext][nProb]bool) {
	probs = defaultTokenProb
	for i := range probs {
		for j := range probs[i] {
			for k := range probs[i][j] {
				for l := range probs[i][j][k] {
					f := flatIndex(i, j, k, l)
					n0, n1 := st[f][0], st[f][1]
					total := n0 + n1
					if total == 0 {
						continue
					}
					np := uint8(255)
					if n1 > 0 {
						np = uint8(max(1, 255-uint64(n1)*255/uint64(total)))
					}
					old := defaultTokenProb[i][j][k][l]
					up := tokenProbUpdateProb[i][j][k][l]
					oldCost := branchCost(n0, n1, old) + bitCost(false, up)
					newCost := branchCost(n0, n1, np) + bitCost(true, up) + 8*16
					if newCost < oldCost {
						probs[i][j][k][l], update[i][j][k][l] = np, true
					}
				}
			}
		}
	}
	return
}

func branchCost(n0, n1 uint32, p uint8) int64 {
	return int64(n0)*bitCost(false, p) + int64(n1)*bitCost(true, p)
}

// frame codes the chosen macroblocks: token statistics first, then the
// first partition (header and modes) and the token partition.
func (e *encoder) frame() []byte {
	probs, update := fitProbs(&e.toks.stats)

	skipped := 0
	for i := range e.mbs {
		if e.mbs[i].skip {
			skipped++
		}
	}
	skipProb := uint8(min(max(255*(len(e.mbs)-skipped)/len(e.mbs), 1), 254))

	// The first partition (section 9.2-9.11 and 19.2).
	fp := newBoolEncoder(1024 + len(e.mbs)*8)
	fp.putUniform(false) // colour space: YUV
	fp.putUniform(false) // pixel values are clamped
	fp.putUniform(false) // no segmentation
	fp.putUniform(false) // the normal loop filter
	fp.putLiteral(uint32(e.filterLevel), 6)
	fp.putLiteral(0, 3)  // sharpness
	fp.putUniform(false) // no per-mode filter deltas
	fp.putLiteral(0, 2)  // one token partition
	fp.putLiteral(uint32(e.qi), 7)
	for i := 0; i < 5; i++ {
		fp.putUniform(false) // no quantiser deltas
	}
	fp.putUniform(false) // refresh_entropy_probs
	for i := range probs {
		for j := range probs[i] {
			for k := range probs[i][j] {
				for l := range probs[i][j][k] {
					u := update[i][j][k][l]
					fp.putBit(u, tokenProbUpdateProb[i][j][k][l])
					if u {
						fp.putLiteral(uint32(probs[i][j][k][l]), 8)
					}
				}
			}
		}
	}
	fp.putUniform(true) // mb_no_coeff_skip
	fp.putLiteral(uint32(skipProb), 8)
	up := make([][4]uint8, e.mbw)
	for mby := 0; mby < e.mbh; mby++ {
		var left [4]uint8
		for mbx := 0; mbx < e.mbw; mbx++ {
			info := &e.mbs[mby*e.mbw+mbx]
			fp.putBit(info.skip, skipProb)
			fp.putBit(info.i16, 145)
			if info.i16 {
				switch m := info.yMode; m {
				case predDC, predVE:
					fp.putBit(false, 156)
					fp.putBit(m == predVE, 163)
				default:
					fp.putBit(true, 156)
					fp.putBit(m == predTM, 128)
				}
				left = [4]uint8{info.yMode, info.yMode, info.yMode, info.yMode}
				up[mbx] = left
			} else {
				for j := 0; j < 4; j++ {
					l := left[j]
					for i := 0; i < 4; i++ {
						m := info.modes[4*j+i]
						putMode4(fp, &predProb[up[mbx][i]][l], m)
						up[mbx][i], l = m, m
					}
					left[j] = l
				}
			}
			switch m := info.uvMode; m {
			case predDC:
				fp.putBit(false, 142)
			case predVE:
				fp.putBit(true, 142)
				fp.putBit(false, 114)
			default:
				fp.putBit(true, 142)
				fp.putBit(true, 114)
				fp.putBit(m == predTM, 183)
			}
		}
	}
	first := fp.finish()

	// The token partition: the levels again, in the same order and with
	// the same contexts, now coded.
	tp := newBoolEncoder(e.width * e.height / 4)
	e.toks.startCoding(tp, &probs)
	clear(e.upNz)
	clear(e.upY2)
	for mby := 0; mby < e.mbh; mby++ {
		e.leftNz, e.leftY2 = 0, 0
		for mbx := 0; mbx < e.mbw; mbx++ {
			n := mby*e.mbw + mbx
			e.record(mbx, &e.mbs[n], &e.levels[n])
		}
	}
	tokens := tp.finish()

	out := make([]byte, 10, 10+len(first)+len(tokens))
	tag := uint32(len(first))<<5 | 1<<4 // key frame, version 0, shown
	out[0], out[1], out[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	out[3], out[4], out[5] = 0x9d, 0x01, 0x2a
	binary.LittleEndian.PutUint16(out[6:], uint16(e.width))
	binary.LittleEndian.PutUint16(out[8:], uint16(e.height))
	out = append(out, first...)
	return append(out, tokens...)
}

// putMode4 codes a 4x4 prediction mode with the tree of section 11.2.
func putMode4(e *boolEncoder, p *[9]uint8, m uint8) {
	e.putBit(m != predDC, p[0])
	if m == predDC {
		return
	}
	e.putBit(m != predTM, p[1])
	if m == predTM {
		return
	}
	e.putBit(m != predVE, p[2])
	if m == predVE {
		return
	}
	switch m {
	case predHE, predRD, predVR:
		e.putBit(false, p[3])
		e.putBit(m != predHE, p[4])
		if m != predHE {
			e.putBit(m == predVR, p[5])
		}
	default:
		e.putBit(true, p[3])
		e.putBit(m != predLD, p[6])
		if m != predLD {
			e.putBit(m != predVL, p[7])
			if m != predVL {
				e.putBit(m == predHU, p[8])
			}
		}
	}
}
