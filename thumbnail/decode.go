package thumbnail

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/thumbdrop/thumbdrop/thumbnail/jpegdec"
)

// safeDecodeConfig reads the header of a sniffed image. Decoders of
// hostile input are not trusted not to panic: a panic becomes an error.
func safeDecodeConfig(f Format, data []byte) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	r := bytes.NewReader(data)
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
	case TIFF:
		return tiff.DecodeConfig(r)
	}
	return cfg, fmt.Errorf("unknown format %q", f)
}

// jpegScale picks the largest DCT scaling (1/8, 1/4, 1/2) that keeps at
// least twice the target size, so the final Lanczos pass has the detail it
// needs; 1 means a full decode.
func jpegScale(w, h, tw, th int) int {
	for _, s := range []int{8, 4, 2} {
		if (w+s-1)/s >= 2*tw && (h+s-1)/s >= 2*th {
			return s
		}
	}
	return 1
}

// decode decodes the pixels of an image already checked by Inspect. A JPEG
// to be thumbnailed to tw x th is decoded straight at a reduced scale where
// it can be; anything jpegdec does not handle goes to image/jpeg.
func decode(info Info, data []byte, tw, th int) (m image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, newError(KindCorrupt, fmt.Errorf("decoder panic: %v", r), "damaged %s data", info.Format)
		}
	}()
	r := bytes.NewReader(data)
	switch info.Format {
	case JPEG:
		if s := jpegScale(info.Width, info.Height, tw, th); s > 1 {
			if m, err = jpegdec.Decode(data, s); err == nil {
				break
			}
		}
		m, err = jpeg.Decode(r)
	case PNG:
		m, err = png.Decode(r)
	case GIF:
		m, err = gif.Decode(r) // the first frame
	case WebP:
		m, err = webp.Decode(r)
	case BMP:
		m, err = bmp.Decode(r)
	case TIFF:
		m, err = tiff.Decode(r)
	}
	if err != nil {
		return nil, newError(KindCorrupt, err, "damaged or truncated %s data", info.Format)
	}
	if info.Format == GIF {
		m = gifCanvas(m, info)
	}
	return m, nil
}

// gifCanvas places a GIF's first frame on its logical screen, as browsers
// show it, when the frame covers only part of it.
func gifCanvas(m image.Image, info Info) image.Image {
	screen := image.Rect(0, 0, info.Width, info.Height)
	if m.Bounds() == screen {
		return m
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
