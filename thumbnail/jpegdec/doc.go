// Package jpegdec decodes JPEG (ITU-T T.81) straight to 1/2, 1/4 or 1/8
// scale in the DCT domain, as libjpeg's scaled decoding does, or at full
// size: at 1/8 each 8x8 block becomes one pixel from its DC term alone,
// so a 12 MP photo never exists at full size, and the AC terms a block
// does not need are skipped, several symbols per table lookup.
//
// It reads 8-bit Huffman-coded JPEGs: baseline and extended sequential
// (one interleaved scan, or a scan per component) and progressive;
// grayscale, YCbCr with any chroma subsampling image.YCbCr can hold
// (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, 4:1:0), and Adobe CMYK and YCCK;
// with restart intervals. What it leaves to image/jpeg returns
// ErrUnsupported: arithmetic coding, lossless and hierarchical JPEG,
// 12-bit samples, RGB JPEGs, a height given by a DNL marker, and
// sampling factors no image type holds.
//
// The files, one concern each: decoder.go (the API and the decoder's
// state), markers.go (the marker segments: frame, tables, restart
// interval, Adobe), scan.go (a scan's header and the MCU layout),
// sequential.go (a sequential scan straight to pixels), progressive.go
// (multi-scan images: coefficients gathered scan by scan), bits.go (the
// entropy-coded bits), huffman.go (decoding tables), idct.go (the scaled
// inverse DCT), colour.go (the planes as an image: Gray, YCbCr, CMYK).
package jpegdec
