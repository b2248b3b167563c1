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
// out with the given stride. The basis is symmetric about the block's
// middle (a[n-1-x][u] = (-1)^u a[x][u]), so each pass sums the even and
// the odd terms once for a pair of outputs: half the multiplies.
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
		t := tmp[v*nx : v*nx+nx : v*nx+nx]
		if row[1]|row[2]|row[3]|row[4]|row[5]|row[6]|row[7] == 0 {
			if row[0] != 0 {
				dc := float32(row[0]) * a[0] // a[x][0] is the same for every x
				for x := range t {
					t[x] = dc
				}
			}
			continue
		}
		r0, r1, r2, r3 := float32(row[0]), float32(row[1]), float32(row[2]), float32(row[3])
		r4, r5, r6, r7 := float32(row[4]), float32(row[5]), float32(row[6]), float32(row[7])
		for x := 0; x < nx/2; x++ {
			ax := a[x*8 : x*8+8 : x*8+8]
			even := r0*ax[0] + r2*ax[2] + r4*ax[4] + r6*ax[6]
			odd := r1*ax[1] + r3*ax[3] + r5*ax[5] + r7*ax[7]
			t[x], t[nx-1-x] = even+odd, even-odd
		}
		if nx == 1 { // one sample: its own mirror, the odd terms cancel
			t[0] = r0*a[0] + r2*a[2] + r4*a[4] + r6*a[6]
		}
	}
	for y := 0; y < ny/2; y++ {
		by := b[y*8 : y*8+8 : y*8+8]
		top := out[y*stride : y*stride+nx : y*stride+nx]
		bottom := out[(ny-1-y)*stride : (ny-1-y)*stride+nx : (ny-1-y)*stride+nx]
		for x := range top {
			even := tmp[x]*by[0] + tmp[2*nx+x]*by[2] + tmp[4*nx+x]*by[4] + tmp[6*nx+x]*by[6]
			odd := tmp[nx+x]*by[1] + tmp[3*nx+x]*by[3] + tmp[5*nx+x]*by[5] + tmp[7*nx+x]*by[7]
			top[x], bottom[x] = round8(even+odd), round8(even-odd)
		}
	}
	if ny == 1 {
		o := out[:nx:nx]
		for x := range o {
			o[x] = round8(tmp[x]*b[0] + tmp[2*nx+x]*b[2] + tmp[4*nx+x]*b[4] + tmp[6*nx+x]*b[6])
		}
	}
}

// round8 rounds a level-unshifted sample to a byte.
func round8(s float32) byte {
	v := s + 128.5
	switch {
	case v < 0:
		return 0
	case v >= 255:
		return 255
	}
	return byte(v) // v >= 0: truncation is floor(s + 128 + 0.5)
}
