package thumbnail

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/thumbdrop/thumbdrop/thumbnail/jpegdec"
)

// safeDecodeConfig reads the header of a sniffed image. Decoders of
// hostile input are not trusted not to panic: a panic becomes an error.
func safeDecodeConfig(f Format, e encoded) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	data, r := e.head, bytes.NewReader(e.head)
	switch f {
	case JPEG:
		return jpeg.DecodeConfig(r)
	case PNG:
		return png.DecodeConfig(r)
	case GIF:
		return gif.DecodeConfig(r)
	case WebP:
		return webp.DecodeConfig(r)
	case BMP:
		return bmp.DecodeConfig(r)
	case TIFF: // its directory may be anywhere: read through the file
		return tiff.DecodeConfig(io.NewSectionReader(e.r, 0, e.size))
	case HEIF, AVIF:
		cfg, _, _, err := heifInspect(f, data)
		return cfg, err
	}
	return cfg, fmt.Errorf("unknown format %q", f)
}

// jpegScale picks the largest DCT scaling (1/8, 1/4, 1/2) that keeps at
// least the target size; 1 means a full decode. A scaled decode is a box
// filter of the whole picture (at 1/8, the DC terms are the 8x8 blocks'
// means), so the Lanczos pass after it has no aliasing to undo: 40+ dB
// against Lanczos from a full decode (TestRealPhotos).
func jpegScale(w, h, tw, th int) int {
	for _, s := range []int{8, 4, 2} {
		if (w+s-1)/s >= tw && (h+s-1)/s >= th {
			return s
		}
	}
	return 1
}

// decode decodes the pixels of an image already checked by Inspect. A JPEG
// to be thumbnailed to tw x th is decoded straight at a reduced scale where
// it can be; anything jpegdec does not handle goes to image/jpeg.
func decode(info Info, l layout, data []byte, tw, th int, opt Options) (m image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, newError(KindCorrupt, fmt.Errorf("decoder panic: %v", r), "damaged %s data", info.Format)
		}
	}()
	r := bytes.NewReader(data)
	switch info.Format {
	case JPEG:
		// Our decoder at every scale (at 1/1 too: 1.5-1.9 times image/jpeg's
		// speed); image/jpeg for what it refuses.
		if m, err = jpegdec.DecodeSubsampled(data, jpegScale(info.Width, info.Height, tw, th)); err == nil {
			break
		}
		m, err = jpeg.Decode(r)
	case PNG:
		if k := pngShrink(info.Width, info.Height, tw, th); k >= 2 && !l.interlaced {
			m, err = decodePNGShrunk(data, k)
			break
		}
		m, err = png.Decode(r)
	case GIF:
		m, err = gif.Decode(r) // the first frame: the frame's size, not the screen's
	case WebP:
		if m, err = webp.Decode(r); err == nil {
			m = fullRange(m)
		}
	case BMP:
		m, err = bmp.Decode(r)
	case TIFF:
		m, err = tiff.Decode(r)
	case HEIF, AVIF:
		m, err = decodeISO(info.Format, data, tw, th, opt.DecoderCache)
	}
	if err != nil {
		return nil, newError(KindCorrupt, err, "damaged or truncated %s data", info.Format)
	}
	if info.Format == GIF {
		m = gifCanvas(m, info, tw, th)
	}
	return m, nil
}

// gifCanvas places a GIF's first frame on its logical screen, as browsers
// show it, when the frame covers only part of it. A large screen is made
// at a reduced size (the frame shrunk to match), so a tiny file declaring
// a 10000 x 10000 screen costs no more than its frame.
func gifCanvas(m image.Image, info Info, tw, th int) image.Image {
	screen := image.Rect(0, 0, info.Width, info.Height)
	if m.Bounds() == screen {
		return m
	}
	if k := pngShrink(info.Width, info.Height, tw, th); k >= 2 {
		fb := m.Bounds()
		frame := image.Image(m)
		if fb.Dx() >= k && fb.Dy() >= k {
			frame = shrink(m, k)
		}
		c := image.NewNRGBA(image.Rect(0, 0, (info.Width+k-1)/k, (info.Height+k-1)/k))
		at := image.Pt(fb.Min.X/k, fb.Min.Y/k)
		draw.Draw(c, frame.Bounds().Sub(frame.Bounds().Min).Add(at), frame, frame.Bounds().Min, draw.Over)
		return c
	}
	if p, ok := m.(*image.Paletted); ok {
		c := image.NewPaletted(screen, p.Palette)
		if i := transparentIndex(p); i >= 0 {
			for k := range c.Pix {
				c.Pix[k] = uint8(i)
			}
		}
		draw.Draw(c, m.Bounds(), m, m.Bounds().Min, draw.Src)
		return c
	}
	c := image.NewNRGBA(screen)
	draw.Draw(c, m.Bounds(), m, m.Bounds().Min, draw.Src)
	return c
}

func transparentIndex(p *image.Paletted) int {
	for i, c := range p.Palette {
		if _, _, _, a := c.RGBA(); a == 0 {
			return i
		}
	}
	return -1
}

// fullRange rescales the planes of a lossy WebP's picture, which VP8 codes
// in BT.601's limited range (Y 16..235, Cb/Cr 16..240), to the full range
// that Go's YCbCr colour model reads: without it every WebP would come
// out washed out (200 read back as 190), whichever decoder read it.
func fullRange(m image.Image) image.Image {
	var y, cb, cr []byte
	switch p := m.(type) {
	case *image.YCbCr:
		y, cb, cr = p.Y, p.Cb, p.Cr
	case *image.NYCbCrA:
		y, cb, cr = p.Y, p.Cb, p.Cr
	default:
		return m
	}
	for i, v := range y {
		y[i] = lumaFull[v]
	}
	for i, v := range cb {
		cb[i] = chromaFull[v]
	}
	for i, v := range cr {
		cr[i] = chromaFull[v]
	}
	return m
}

var lumaFull, chromaFull = func() (l, c [256]byte) {
	for i := range 256 {
		l[i] = uint8(min(max((float64(i)-16)*255/219+0.5, 0), 255))
		c[i] = uint8(min(max((float64(i)-128)*255/224+128.5, 0), 255))
	}
	return
}()
