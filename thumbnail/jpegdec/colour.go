package jpegdec

import (
	"image"
	"image/color"
)

// ratio maps chroma sampling relative to luma to image's subsample ratios
// (the sampling factors of T.81 A.1.1).
func (d *decoder) ratio() (image.YCbCrSubsampleRatio, bool) {
	y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
	if y.h != d.hmax || y.v != d.vmax || cb.h != cr.h || cb.v != cr.v ||
		d.hmax%cb.h != 0 || d.vmax%cb.v != 0 {
		return 0, false
	}
	return ratioOf(d.hmax/cb.h, d.vmax/cb.v)
}

// ratioOf maps luma pixels per chroma sample, across and down, to a ratio.
func ratioOf(sx, sy int) (image.YCbCrSubsampleRatio, bool) {
	switch [2]int{sx, sy} {
	case [2]int{1, 1}:
		return image.YCbCrSubsampleRatio444, true
	case [2]int{2, 1}:
		return image.YCbCrSubsampleRatio422, true
	case [2]int{2, 2}:
		return image.YCbCrSubsampleRatio420, true
	case [2]int{1, 2}:
		return image.YCbCrSubsampleRatio440, true
	case [2]int{4, 1}:
		return image.YCbCrSubsampleRatio411, true
	case [2]int{4, 2}:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

// image assembles the decoded planes: Gray for one component, YCbCr for
// three (JFIF), CMYK for Adobe's four.
func (d *decoder) image() image.Image {
	ow, oh := (d.w+8/d.n-1)/(8/d.n), (d.h+8/d.n-1)/(8/d.n)
	r := image.Rect(0, 0, ow, oh)
	if len(d.comps) == 1 {
		c := d.comps[0]
		return &image.Gray{Pix: c.plane, Stride: c.stride, Rect: r}
	}
	if len(d.comps) == 4 {
		return d.cmyk(r)
	}
	return &image.YCbCr{
		Y: d.comps[0].plane, Cb: d.comps[1].plane, Cr: d.comps[2].plane,
		YStride: d.comps[0].stride, CStride: d.comps[1].stride,
		SubsampleRatio: d.outRatio, Rect: r,
	}
}

// cmyk assembles Adobe CMYK or YCCK planes as image/jpeg does: YCCK's first
// three planes are YCbCr whose RGB is taken as C, M and Y; stored CMYK is
// inverted.
func (d *decoder) cmyk(r image.Rectangle) *image.CMYK {
	out := image.NewCMYK(r)
	c0, c1, c2, c3 := d.comps[0], d.comps[1], d.comps[2], d.comps[3]
	for y := 0; y < r.Dy(); y++ {
		o := out.Pix[y*out.Stride:]
		for x := 0; x < r.Dx(); x++ {
			a, b, c, k := c0.plane[y*c0.stride+x], c1.plane[y*c1.stride+x], c2.plane[y*c2.stride+x], c3.plane[y*c3.stride+x]
			if d.transform != 0 {
				a, b, c = color.YCbCrToRGB(a, b, c)
			} else {
				a, b, c = 255-a, 255-b, 255-c
			}
			o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = a, b, c, 255-k
		}
	}
	return out
}
