package jpegdec

import "math"

// avg[n][x*8+u] is the mean, over the 8/n samples that output sample x
// covers, of the 8-point inverse-DCT basis function u: C(u)/2 *
// cos((2i+1)u*pi/16). Applying it along both axes gives exactly the box
// average of the full-resolution block (before rounding), at 1/(8/n) scale;
// for n=8 it is the plain inverse DCT (T.81 A.3.3). For n=1 only u=0 is
// non-zero, so the DC term alone gives the block mean.
var avg = func() map[int][]float32 {
	m := map[int][]float32{}
	for _, n := range []int{1, 2, 4, 8} {
		k := 8 / n
		a := make([]float32, n*8)
		for x := 0; x < n; x++ {
			for u := 0; u < 8; u++ {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				s := 0.0
				for i := x * k; i < x*k+k; i++ {
					s += c / 2 * math.Cos(float64(2*i+1)*float64(u)*math.Pi/16)
				}
				a[x*8+u] = float32(s / float64(k))
			}
		}
		m[n] = a
	}
	return m
}()

func clamp8(v int32) byte {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return byte(v)
}

// idct writes the nx x ny pixels of a dequantised block (natural order) to
// out with the given stride.
func idct(blk *[64]int32, nx, ny int, out []byte, stride int) {
	if nx == 1 && ny == 1 {
		// DC alone: the block's mean, F(0,0)/8, level-shifted.
		out[0] = clamp8((blk[0]+4)>>3 + 128)
		return
	}
	a, b := avg[nx], avg[ny]
	var tmp [64]float32 // tmp[v*nx+x] = sum_u F(v,u) * a[x][u]
	for v := 0; v < 8; v++ {
		row := blk[v*8 : v*8+8 : v*8+8]
		t := tmp[v*nx : v*nx+nx]
		if row[1]|row[2]|row[3]|row[4]|row[5]|row[6]|row[7] == 0 {
			if row[0] != 0 {
				for x := range t {
					t[x] = float32(row[0]) * a[x*8]
				}
			}
			continue
		}
		for x := range t {
			ax := a[x*8 : x*8+8 : x*8+8]
			t[x] = float32(row[0])*ax[0] + float32(row[1])*ax[1] + float32(row[2])*ax[2] + float32(row[3])*ax[3] +
				float32(row[4])*ax[4] + float32(row[5])*ax[5] + float32(row[6])*ax[6] + float32(row[7])*ax[7]
		}
	}
	for y := 0; y < ny; y++ {
		by := b[y*8 : y*8+8 : y*8+8]
		o := out[y*stride : y*stride+nx]
		for x := range o {
			s := tmp[x]*by[0] + tmp[nx+x]*by[1] + tmp[2*nx+x]*by[2] + tmp[3*nx+x]*by[3] +
				tmp[4*nx+x]*by[4] + tmp[5*nx+x]*by[5] + tmp[6*nx+x]*by[6] + tmp[7*nx+x]*by[7]
			o[x] = clamp8(int32(math.Floor(float64(s)+0.5)) + 128)
		}
	}
}
