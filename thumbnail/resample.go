package thumbnail

import (
	"image"
	"image/color"
	"math"
)

// Resampling with the Lanczos-3 kernel in 14-bit fixed point, one axis at
// a time, on 8-bit planes. A Y'CbCr picture (a decoded JPEG) is resampled
// plane by plane, its chroma straight from its own resolution to the
// target's, and turned into RGB only at the target size: half the samples
// of resampling RGB, and the chroma upsampled with Lanczos rather than
// repeated.

const (
	weightBits = 14
	weightOne  = 1 << weightBits
	lobes      = 3
)

// taps are the weights of one axis: output sample i is the weighted sum
// of source samples start[i] ... start[i]+n[i]-1, weights w[off[i]:].
type taps struct {
	start, n, off []int32
	w             []int32
}

func lanczos(x float64) float64 {
	if x == 0 {
		return 1
	}
	if x <= -lobes || x >= lobes {
		return 0
	}
	px := math.Pi * x
	return lobes * math.Sin(px) * math.Sin(px/lobes) / (px * px)
}

// newTaps maps srcLen samples onto dstLen, sample centres aligned (as
// libvips and imaging do). Taps outside the source are dropped and the
// rest renormalised (as imaging does), each set summing to exactly one.
func newTaps(srcLen, dstLen int) taps {
	scale := float64(srcLen) / float64(dstLen)
	stretch := math.Max(scale, 1)
	support := lobes * stretch
	t := taps{start: make([]int32, dstLen), n: make([]int32, dstLen), off: make([]int32, dstLen)}
	t.w = make([]int32, 0, dstLen*(int(2*support)+3))
	fw := make([]float64, 0, int(2*support)+3)
	for i := 0; i < dstLen; i++ {
		center := (float64(i)+0.5)*scale - 0.5
		left := int(math.Ceil(center - support))
		right := int(math.Floor(center + support))
		lo, hi := max(left, 0), min(right, srcLen-1)
		if lo > hi { // a source of one sample
			lo, hi = min(max(int(math.Round(center)), 0), srcLen-1), min(max(int(math.Round(center)), 0), srcLen-1)
		}
		fw = fw[:0]
		for j := lo; j <= hi; j++ {
			fw = append(fw, 0)
		}
		sum := 0.0
		for j := lo; j <= hi; j++ {
			v := lanczos((float64(j) - center) / stretch)
			fw[j-lo] = v
			sum += v
		}
		if sum == 0 {
			sum = 1
			fw[len(fw)/2] = 1
		}
		t.start[i], t.n[i], t.off[i] = int32(lo), int32(len(fw)), int32(len(t.w))
		total, big := int32(0), 0
		for k, v := range fw {
			q := int32(math.Round(v / sum * weightOne))
			t.w = append(t.w, q)
			total += q
			if v > fw[big] {
				big = k
			}
		}
		t.w[int(t.off[i])+big] += weightOne - total // exactly one
	}
	return t
}

func clampByte(v int32) uint8 {
	v = (v + weightOne/2) >> weightBits
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// fixedTaps are taps padded to one count for every output sample (zero
// weights, windows moved inside the source), for branch-free inner loops.
type fixedTaps struct {
	n     int
	start []int32
	w     []int32 // n per output sample
}

func (t taps) fixed(srcLen int) fixedTaps {
	n := 0
	for _, v := range t.n {
		n = max(n, int(v))
	}
	f := fixedTaps{n: n, start: make([]int32, len(t.start)), w: make([]int32, n*len(t.start))}
	for i := range t.start {
		s := min(int(t.start[i]), srcLen-n)
		f.start[i] = int32(s)
		shift := int(t.start[i]) - s
		copy(f.w[i*n+shift:], t.w[t.off[i]:t.off[i]+t.n[i]])
	}
	return f
}

// resampleH resamples the rows of a plane of ch (1, 3 or 4) interleaved
// channels.
func resampleH(src []byte, stride, sw, rows, ch int, t taps) []byte {
	dw := len(t.start)
	out := make([]byte, dw*ch*rows)
	f := t.fixed(sw)
	n := f.n
	for y := 0; y < rows; y++ {
		row := src[y*stride : y*stride+sw*ch]
		o := out[y*dw*ch : (y+1)*dw*ch]
		if ch == 1 {
			for x := range o {
				s := int(f.start[x])
				p := row[s : s+n : s+n]
				w := f.w[x*n : x*n+n : x*n+n]
				w = w[:len(p)] // (no bounds check in the loop)
				var a int32
				for k, pk := range p {
					a += int32(pk) * w[k]
				}
				o[x] = clampByte(a)
			}
			continue
		}
		if ch == 3 {
			for x := 0; x < dw; x++ {
				s := 3 * int(f.start[x])
				p := row[s : s+3*n : s+3*n]
				w := f.w[x*n : x*n+n : x*n+n]
				var r, g, b int32
				for k, wk := range w {
					q := p[3*k : 3*k+3 : 3*k+3]
					r += int32(q[0]) * wk
					g += int32(q[1]) * wk
					b += int32(q[2]) * wk
				}
				q := o[3*x : 3*x+3 : 3*x+3]
				q[0], q[1], q[2] = clampByte(r), clampByte(g), clampByte(b)
			}
			continue
		}
		for x := 0; x < dw; x++ {
			s := 4 * int(f.start[x])
			p := row[s : s+4*n : s+4*n]
			w := f.w[x*n : x*n+n : x*n+n]
			var r, g, b, al int32
			for k, wk := range w {
				q := p[4*k : 4*k+4 : 4*k+4]
				r += int32(q[0]) * wk
				g += int32(q[1]) * wk
				b += int32(q[2]) * wk
				al += int32(q[3]) * wk
			}
			q := o[4*x : 4*x+4 : 4*x+4]
			q[0], q[1], q[2], q[3] = clampByte(r), clampByte(g), clampByte(b), clampByte(al)
		}
	}
	return out
}

// resampleV resamples the columns of a plane (rows of rowLen bytes),
// a row of sums at a time.
func resampleV(src []byte, rowLen int, t taps) []byte {
	dh := len(t.start)
	out := make([]byte, rowLen*dh)
	acc := make([]int32, rowLen)
	for y := 0; y < dh; y++ {
		clear(acc)
		s := int(t.start[y])
		for k, wk := range t.w[t.off[y] : t.off[y]+t.n[y]] {
			row := src[(s+k)*rowLen : (s+k+1)*rowLen]
			a := acc[:len(row)]
			for x, v := range row {
				a[x] += int32(v) * wk
			}
		}
		o := out[y*rowLen : (y+1)*rowLen]
		for x, a := range acc {
			o[x] = clampByte(a)
		}
	}
	return out
}

// resamplePlane resizes a plane of ch channels from sw x sh to dw x dh.
func resamplePlane(src []byte, stride, sw, sh, ch, dw, dh int) []byte {
	var mid []byte
	if dw == sw {
		mid = make([]byte, sw*ch*sh)
		for y := 0; y < sh; y++ {
			copy(mid[y*sw*ch:(y+1)*sw*ch], src[y*stride:])
		}
	} else {
		mid = resampleH(src, stride, sw, sh, ch, newTaps(sw, dw))
	}
	if dh == sh {
		return mid
	}
	return resampleV(mid, dw*ch, newTaps(sh, dh))
}

// resample resizes m to exactly tw x th with Lanczos-3.
func resample(m image.Image, tw, th int) *image.NRGBA {
	b := m.Bounds()
	switch s := m.(type) {
	case *image.YCbCr:
		if _, _, ok := chromaSize(s); ok && b.Min == (image.Point{}) {
			return resampleYCbCr(s, tw, th)
		}
	case *image.Gray:
		if b.Min == (image.Point{}) {
			g := resamplePlane(s.Pix, s.Stride, b.Dx(), b.Dy(), 1, tw, th)
			out := image.NewNRGBA(image.Rect(0, 0, tw, th))
			for i, v := range g {
				copy(out.Pix[4*i:4*i+4], []byte{v, v, v, 255})
			}
			return out
		}
	}
	n := toNRGBA(m)
	if !n.Opaque() {
		return resampleAlpha(n, tw, th)
	}
	// Opaque: three channels, alpha left out and put back.
	w, h := b.Dx(), b.Dy()
	rgb := make([]byte, 3*w*h)
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		o := rgb[3*w*y : 3*w*(y+1)]
		for x := 0; x < w; x++ {
			o[3*x], o[3*x+1], o[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
		}
	}
	small := resamplePlane(rgb, 3*w, w, h, 3, tw, th)
	out := image.NewNRGBA(image.Rect(0, 0, tw, th))
	for i := 0; i < tw*th; i++ {
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = small[3*i], small[3*i+1], small[3*i+2], 255
	}
	return out
}

// chromaSize is the size of a Y'CbCr picture's chroma planes.
func chromaSize(m *image.YCbCr) (w, h int, ok bool) {
	sx, sy := subsampling(m.SubsampleRatio)
	if sx == 0 {
		return 0, 0, false
	}
	b := m.Rect
	return (b.Max.X+sx-1)/sx - b.Min.X/sx, (b.Max.Y+sy-1)/sy - b.Min.Y/sy, true
}

func resampleYCbCr(m *image.YCbCr, tw, th int) *image.NRGBA {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch, _ := chromaSize(m)
	y := resamplePlane(m.Y, m.YStride, w, h, 1, tw, th)
	cb := resamplePlane(m.Cb, m.CStride, cw, ch, 1, tw, th)
	cr := resamplePlane(m.Cr, m.CStride, cw, ch, 1, tw, th)
	out := image.NewNRGBA(image.Rect(0, 0, tw, th))
	for i := range y {
		r, g, b := color.YCbCrToRGB(y[i], cb[i], cr[i])
		p := out.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2], p[3] = r, g, b, 255
	}
	return out
}

// resampleAlpha resizes a picture with transparency, weighting colours by
// their alpha so transparent pixels lend no colour to their neighbours.
func resampleAlpha(n *image.NRGBA, tw, th int) *image.NRGBA {
	b := n.Rect
	w, h := b.Dx(), b.Dy()
	// Premultiplied, 16 bits a channel to keep faint colours.
	pre := make([]uint16, 4*w*h)
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+4 : 4*x+4]
			a := uint32(p[3])
			q := pre[4*(y*w+x) : 4*(y*w+x)+4 : 4*(y*w+x)+4]
			q[0], q[1], q[2], q[3] = uint16(uint32(p[0])*a*257/255), uint16(uint32(p[1])*a*257/255), uint16(uint32(p[2])*a*257/255), uint16(a*257)
		}
	}
	hx, vy := newTaps(w, tw), newTaps(h, th)
	mid := make([]int64, 4*tw*h)
	for y := 0; y < h; y++ {
		for x := 0; x < tw; x++ {
			s := int(hx.start[x])
			for k, wk := range hx.w[hx.off[x] : hx.off[x]+hx.n[x]] {
				q := pre[4*(y*w+s+k):]
				for c := 0; c < 4; c++ {
					mid[4*(y*tw+x)+c] += int64(q[c]) * int64(wk)
				}
			}
		}
	}
	out := image.NewNRGBA(image.Rect(0, 0, tw, th))
	for y := 0; y < th; y++ {
		s := int(vy.start[y])
		for x := 0; x < tw; x++ {
			var acc [4]int64
			for k, wk := range vy.w[vy.off[y] : vy.off[y]+vy.n[y]] {
				q := mid[4*((s+k)*tw+x):]
				for c := 0; c < 4; c++ {
					acc[c] += q[c] * int64(wk)
				}
			}
			p := out.Pix[4*(y*tw+x) : 4*(y*tw+x)+4 : 4*(y*tw+x)+4]
			a := float64(acc[3]) / (weightOne * weightOne)
			if a <= 0.5 {
				continue // fully transparent: zero
			}
			for c := 0; c < 3; c++ {
				p[c] = uint8(math.Min(math.Max(math.Round(float64(acc[c])/(weightOne*weightOne)/a*255), 0), 255))
			}
			p[3] = uint8(math.Min(math.Round(a/257), 255))
		}
	}
	return out
}
