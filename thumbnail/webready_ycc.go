package thumbnail

import "image"

// The Y'CbCr path of web-ready JPEGs: a decoded JPEG (or HEIC) stays in
// Y'CbCr from decode to encode. Luma is resampled to the target size and
// chroma straight to 4:2:0 at half of it (the JPEG written is 4:2:0), then
// the planes are turned upright and handed to image/jpeg as they are: no
// conversion to RGB and back, and a quarter of the chroma samples.

// scaleYCbCr resizes m to tw x th (stored axes) as 4:2:0, box-shrinking
// first as scale does; ok is false for a layout it does not take.
func scaleYCbCr(m *image.YCbCr, tw, th int) (*image.YCbCr, bool) {
	if m.Rect.Min != (image.Point{}) {
		return nil, false
	}
	if _, _, ok := chromaSize(m); !ok {
		return nil, false
	}
	b := m.Rect
	if k := min(b.Dx()/(2*tw), b.Dy()/(2*th)); k >= 2 {
		s, ok := shrink(m, k).(*image.YCbCr)
		if !ok {
			return nil, false
		}
		m = s
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch, _ := chromaSize(m)
	ow, oh := (tw+1)/2, (th+1)/2
	out := &image.YCbCr{
		Y:       resamplePlane(m.Y, m.YStride, w, h, 1, tw, th),
		Cb:      resamplePlane(m.Cb, m.CStride, cw, ch, 1, ow, oh),
		Cr:      resamplePlane(m.Cr, m.CStride, cw, ch, 1, ow, oh),
		YStride: tw, CStride: ow, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, tw, th),
	}
	return out, true
}

// orientYCbCr turns a 4:2:0 picture upright as orient does an RGB one.
func orientYCbCr(m *image.YCbCr, o Orientation) *image.YCbCr {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	y, nw, nh := orientPlane(m.Y, m.YStride, w, h, o)
	cb, ncw, _ := orientPlane(m.Cb, m.CStride, cw, ch, o)
	cr, _, _ := orientPlane(m.Cr, m.CStride, cw, ch, o)
	return &image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: nw, CStride: ncw, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, nw, nh)}
}

// orientPlane applies orientation o to a w x h plane: FlipH, Rotate180,
// FlipV, Transpose, Rotate270 (a quarter turn clockwise), Transverse,
// Rotate90, as orient does.
func orientPlane(p []byte, stride, w, h int, o Orientation) ([]byte, int, int) {
	nw, nh := w, h
	if o.swapsAxes() {
		nw, nh = h, w
	}
	out := make([]byte, nw*nh)
	for y := 0; y < nh; y++ {
		row := out[y*nw : (y+1)*nw]
		switch o {
		case 2:
			src := p[y*stride:]
			for x := range row {
				row[x] = src[w-1-x]
			}
		case 3:
			src := p[(h-1-y)*stride:]
			for x := range row {
				row[x] = src[w-1-x]
			}
		case 4:
			copy(row, p[(h-1-y)*stride:(h-1-y)*stride+w])
		case 5: // dst(x, y) = src(y, x)
			for x := range row {
				row[x] = p[x*stride+y]
			}
		case 6: // dst(x, y) = src(y, h-1-x)
			for x := range row {
				row[x] = p[(h-1-x)*stride+y]
			}
		case 7: // dst(x, y) = src(w-1-y, h-1-x)
			for x := range row {
				row[x] = p[(h-1-x)*stride+w-1-y]
			}
		case 8: // dst(x, y) = src(w-1-y, x)
			for x := range row {
				row[x] = p[x*stride+w-1-y]
			}
		}
	}
	return out, nw, nh
}
