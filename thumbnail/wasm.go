package thumbnail

import (
	"bytes"
	"image"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"
)

// HEIC and AVIF are decoded by libheif/libde265 and libavif/dav1d compiled
// to WebAssembly and run by wazero (gen2brain/heic, gen2brain/avif), so
// the pipeline stays pure Go and the Lambda a static binary. Each decoder
// is compiled the first time a file of its format arrives: JPEG-only cold
// starts never pay for it. Build with the nodynamic tag, so neither package
// looks for a system libheif or libavif at start and every build runs the
// same decoder.

// minHEICWidth: gen2brain/heic v0.4.5 lays out the planes libheif returns
// with strides aligned to 16 bytes, but libheif pads planes narrower than
// 64 bytes to 64: a luma plane under 49 pixels, or the 4:2:0 chroma planes
// of an image under 97, come out skewed (measured against heif-convert on
// images 40 to 1001 pixels wide). No camera makes such small HEICs; they
// (under 97 pixels on either side, as rotation may swap them) are refused
// rather than thumbnailed with wrong colours.
const minHEICWidth = 97

func decodeHEIC(data []byte) (image.Image, error) {
	return heic.Decode(bytes.NewReader(data))
}

func decodeAVIF(data []byte) (image.Image, error) {
	return avif.Decode(bytes.NewReader(data))
}
