package thumbnail

import (
	"image"
)

// span is a half-open range of source samples averaged into one output sample.
type span struct{ lo, hi int }

// spans maps each of n output samples to the source samples it covers, for a
// plane of size planeLen whose samples each cover sub full-resolution pixels,
// when full-resolution pixels are grouped k at a time.
func spans(n, k, sub, planeLen int) []span {
	s := make([]span, n)
	for i := range s {
		lo, hi := i*k/sub, ((i+1)*k+sub-1)/sub
		if hi > planeLen {
			hi = planeLen
		}
		if lo >= hi {
			lo = hi - 1
		}
		s[i] = span{lo, hi}
	}
	return s
}

// shrinkPlane box-averages an 8-bit plane. out has len(xs)*len(ys) samples.
// acc is scratch of at least len(xs).
func shrinkPlane(pix []uint8, stride int, xs, ys []span, out []uint8, acc []uint32) {
	ow := len(xs)
	for oy, yr := range ys {
		a := acc[:ow]
		clear(a)
		for y := yr.lo; y < yr.hi; y++ {
			row := pix[y*stride:]
			for ox, xr := range xs {
				var s uint32
				for _, v := range row[xr.lo:xr.hi] {
					s += uint32(v)
				}
				a[ox] += s
			}
		}
		rows := uint32(yr.hi - yr.lo)
		o := out[oy*ow : oy*ow+ow]
		for ox, xr := range xs {
			n := rows * uint32(xr.hi-xr.lo)
			o[ox] = uint8((a[ox] + n/2) / n)
		}
	}
}

// subsampling returns how many luma pixels one chroma sample covers.
func subsampling(r image.YCbCrSubsampleRatio) (sx, sy int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// shrink reduces m by the integer factor k with a box filter, working on the
// decoder's own pixel layout (no full-size colour conversion). The result is
// ceil(w/k) x ceil(h/k); edge pixels average what is there.
func shrink(m image.Image, k int) image.Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := (w+k-1)/k, (h+k-1)/k
	switch m := m.(type) {
	case *image.YCbCr:
		if b.Min != (image.Point{}) {
			break
		}
		sx, sy := subsampling(m.SubsampleRatio)
		cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
		out := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio444)
		acc := make([]uint32, ow)
		xs, ys := spans(ow, k, 1, w), spans(oh, k, 1, h)
		shrinkPlane(m.Y, m.YStride, xs, ys, out.Y, acc)
		xs, ys = spans(ow, k, sx, cw), spans(oh, k, sy, ch)
		shrinkPlane(m.Cb, m.CStride, xs, ys, out.Cb, acc)
		shrinkPlane(m.Cr, m.CStride, xs, ys, out.Cr, acc)
		return out
	case *image.Gray:
		if b.Min != (image.Point{}) {
			break
		}
		out := image.NewGray(image.Rect(0, 0, ow, oh))
		shrinkPlane(m.Pix, m.Stride, spans(ow, k, 1, w), spans(oh, k, 1, h), out.Pix, make([]uint32, ow))
		return out
	case *image.NRGBA:
		if b.Min != (image.Point{}) {
			break
		}
		return shrinkNRGBA(m, k, ow, oh)
	}
	return shrinkNRGBA(toNRGBA(m), k, ow, oh)
}

// shrinkNRGBA averages colour weighted by alpha, so transparent pixels do not
// darken the edges of opaque ones.
func shrinkNRGBA(m *image.NRGBA, k, ow, oh int) *image.NRGBA {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	xs, ys := spans(ow, k, 1, w), spans(oh, k, 1, h)
	acc := make([]uint64, 4*ow)
	for oy, yr := range ys {
		clear(acc)
		for y := yr.lo; y < yr.hi; y++ {
			row := m.Pix[y*m.Stride:]
			for ox, xr := range xs {
				var r, g, bl, a uint64
				for x := xr.lo; x < xr.hi; x++ {
					p := row[4*x : 4*x+4 : 4*x+4]
					al := uint64(p[3])
					r += uint64(p[0]) * al
					g += uint64(p[1]) * al
					bl += uint64(p[2]) * al
					a += al
				}
				s := acc[4*ox : 4*ox+4 : 4*ox+4]
				s[0] += r
				s[1] += g
				s[2] += bl
				s[3] += a
			}
		}
		o := out.Pix[oy*out.Stride:]
		rows := uint64(yr.hi - yr.lo)
		for ox, xr := range xs {
			s := acc[4*ox : 4*ox+4]
			n := rows * uint64(xr.hi-xr.lo)
			if a := s[3]; a > 0 {
				o[4*ox] = uint8((s[0] + a/2) / a)
				o[4*ox+1] = uint8((s[1] + a/2) / a)
				o[4*ox+2] = uint8((s[2] + a/2) / a)
				o[4*ox+3] = uint8((a + n/2) / n)
			}
		}
	}
	return out
}
