package thumbnail

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"slices"

	"github.com/thumbdrop/thumbdrop/thumbnail/vp8enc"
)

// Web-ready originals: a picture made fit for a post before it is
// uploaded, with the same pipeline as thumbnails (the scaled JPEG decode,
// Lanczos, image/jpeg, vp8enc): no larger than a longest side, in the
// format asked, oriented. And web copies: a full-size JPEG of a picture
// browsers do not show (HEIC, TIFF), from the same decode.
//
// Metadata: the EXIF block is carried over, its orientation set to 1 (the
// pixels are turned) and its GPS directory taken out where asked (always
// for a web copy). The ICC profile is kept, not converted to sRGB:
// browsers colour-manage tagged images, so a phone's Display P3 photo
// keeps the colours sRGB would clip, and converting needs a colour engine
// this pure-Go pipeline does not have; it costs the profile's bytes (half
// a kilobyte for Display P3). A profile of another colour space than the
// pixels written (a CMYK JPEG's, once decoded to RGB) is dropped.

// PrepareOptions say what makes a picture web-ready.
type PrepareOptions struct {
	// MaxSide is the longest side allowed, in display pixels (0: any).
	MaxSide int
	// Format is the format wanted: JPEG or WebP; "" keeps the picture's
	// own where it is one this pipeline writes (JPEG, PNG, WebP), else
	// JPEG (PNG when it has transparency).
	Format Format
	// Quality of JPEG and WebP, 1..100 (0: 85).
	Quality int
	// WebCopy asks for a full-size JPEG beside a HEIC/HEIF or TIFF kept
	// as it is.
	WebCopy bool
	// StripLocation takes the GPS tags out of the EXIF carried over.
	StripLocation bool
	// MaxPixels and MaxMemory bound the decode (0: the defaults of
	// Options; a desktop gives more memory than a function).
	MaxPixels, MaxMemory int64
	DecoderCache         string
}

// DefaultPrepareQuality is original_quality's default.
const DefaultPrepareQuality = 85

// Preparation is what Prepare will do to a picture, from its header.
type Preparation struct {
	// Recode: the original is decoded and written again (too large, or
	// in another format than wanted); otherwise it goes up byte for byte.
	Recode bool
	// WebCopy: a full-size JPEG is made beside it (it is kept as a HEIC
	// or TIFF, which browsers do not show).
	WebCopy bool
	// Format is what the original will be written as (a transparent one
	// asked as JPEG becomes PNG once its pixels show the transparency).
	Format Format
	// Width and Height are the size it will have, as displayed.
	Width, Height int
}

// Plan says, from the header, what Prepare will do. GIFs are never
// recoded (their animation would be lost).
func Plan(info Info, opt PrepareOptions) Preparation {
	dw, dh := info.DisplaySize()
	p := Preparation{Format: info.Format, Width: dw, Height: dh}
	if info.Format == GIF {
		return p
	}
	resize := opt.MaxSide > 0 && max(dw, dh) > opt.MaxSide
	convert := opt.Format != "" && opt.Format != info.Format
	if resize || convert {
		p.Recode = true
		p.Format = opt.Format
		if p.Format == "" {
			p.Format = keptFormat(info.Format)
		}
		if resize {
			p.Width, p.Height = fitSize(dw, dh, opt.MaxSide)
		}
		return p
	}
	p.WebCopy = opt.WebCopy && needsWebCopy(info.Format)
	return p
}

// needsWebCopy: browsers (Chrome, Firefox) do not show the format.
func needsWebCopy(f Format) bool { return f == HEIF || f == TIFF }

// keptFormat is what "keep" writes a format as: itself where this
// pipeline writes it, else JPEG.
func keptFormat(f Format) Format {
	switch f {
	case JPEG, PNG, WebP:
		return f
	}
	return JPEG
}

// Prepared is what was written.
type Prepared struct {
	Format        Format
	Width, Height int // as displayed
	Bytes         int64
	// ICC says what became of the colour profile: "kept", "none" (the
	// picture had none) or "dropped (CMYK)" and the like.
	ICC string
	// LocationRemoved: the EXIF carried over had GPS tags, taken out.
	LocationRemoved bool
}

// Prepare decodes the picture once and writes, as plan says, the
// web-ready original to original and the web copy to web (either may be
// nil when plan has none). The encoders stream into the writers.
func Prepare(data []byte, opt PrepareOptions, plan Preparation, original, web io.Writer) (orig, webCopy *Prepared, err error) {
	if !plan.Recode && !plan.WebCopy {
		return nil, nil, nil
	}
	if opt.Quality <= 0 || opt.Quality > 100 {
		opt.Quality = DefaultPrepareQuality
	}
	o := Options{MaxPixels: opt.MaxPixels, MaxMemory: opt.MaxMemory, MaxBytes: math.MaxInt64, DecoderCache: opt.DecoderCache}.withDefaults()
	info, err := inspect(inMemory(data), o)
	if err != nil {
		return nil, nil, err
	}
	l := readLayout(info.Format, data)
	dw, dh := info.DisplaySize()
	tw, th := dw, dh
	if plan.Recode {
		tw, th = plan.Width, plan.Height
	}
	sw, sh := tw, th // in the stored axes
	if info.Orientation.swapsAxes() {
		sw, sh = th, tw
	}
	if need := memoryNeed(info, l, len(data), sw, sh) + 8*int64(tw)*int64(th); need > o.MaxMemory {
		e := newError(KindTooMuchMemory, nil, "making this %dx%d %s web-ready would need about %s, more than the %s allowed",
			info.Width, info.Height, info.Format, humanBytes(need), humanBytes(o.MaxMemory))
		e.Actual, e.Limit = humanBytes(need), humanBytes(o.MaxMemory)
		return nil, nil, e
	}
	src, err := decode(info, l, data, sw, sh, o)
	if err != nil {
		return nil, nil, err
	}
	meta := readMeta(info.Format, data)
	// Only JPEGs to write (a JPEG original, a web copy): the Y'CbCr path.
	if ycc, ok := src.(*image.YCbCr); ok && (!plan.Recode || plan.Format == JPEG) {
		if small, ok := scaleYCbCr(ycc, sw, sh); ok {
			up := orientYCbCr(small, info.Orientation)
			w := original
			if !plan.Recode {
				w = web
			}
			if w == nil {
				return nil, nil, nil
			}
			p, err := writePrepared(w, up, JPEG, opt.Quality, meta, opt.StripLocation || !plan.Recode)
			if err != nil || plan.Recode {
				return p, nil, err
			}
			return nil, p, nil
		}
	}
	m := orient(scale(src, sw, sh), info.Orientation)
	if plan.Recode {
		f := plan.Format
		if f == JPEG && !m.Opaque() {
			f = PNG // JPEG has no transparency
		}
		orig, err = writePrepared(original, encodable(m, src, f), f, opt.Quality, meta, opt.StripLocation)
		if err != nil {
			return nil, nil, err
		}
	}
	if plan.WebCopy && web != nil {
		if webCopy, err = writePrepared(web, encodable(m, src, JPEG), JPEG, opt.Quality, meta, true); err != nil {
			return nil, nil, err
		}
	}
	return orig, webCopy, nil
}

// encodable is what is encoded as f: m, or its gray plane where a JPEG is
// written of a gray source.
func encodable(m *image.NRGBA, src image.Image, f Format) image.Image {
	if f == JPEG && isGray(src) {
		return grayOf(m)
	}
	return m
}

// writePrepared encodes m (an opaque or transparent *image.NRGBA, an
// *image.Gray or a 4:2:0 *image.YCbCr for JPEG) as f with the metadata
// carried over.
func writePrepared(w io.Writer, m image.Image, f Format, quality int, meta metadata, stripGPS bool) (*Prepared, error) {
	cw := &countWriter{w: w}
	exif, gpsGone := meta.exifFor(stripGPS)
	_, gray := m.(*image.Gray)
	icc, iccNote := meta.iccFor(gray)
	var err error
	n, isNRGBA := m.(*image.NRGBA)
	switch {
	case f == JPEG:
		err = writeJPEG(cw, m, quality, exif, icc)
	case f == WebP && isNRGBA:
		err = writeWebP(cw, n, quality, exif, icc)
	case f == PNG && isNRGBA:
		err = writePNG(cw, n, exif, icc)
	default:
		err = fmt.Errorf("cannot write %s of %T", f, m)
	}
	b := m.Bounds()
	if err != nil {
		return nil, newError(KindCorrupt, err, "cannot encode the %dx%d %s", b.Dx(), b.Dy(), f)
	}
	return &Prepared{Format: f, Width: b.Dx(), Height: b.Dy(), Bytes: cw.n, ICC: iccNote, LocationRemoved: gpsGone}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// metadata is what a picture carries that is kept: its EXIF block (a
// TIFF structure) and its ICC profile.
type metadata struct {
	exif, icc []byte
}

func readMeta(f Format, d []byte) metadata {
	var m metadata
	switch f {
	case JPEG:
		m.exif, m.icc = jpegExif(d), jpegICC(d)
	case PNG:
		m.exif, m.icc = pngChunk(d, "eXIf"), pngICC(d)
	case WebP:
		m.exif = bytes.TrimPrefix(webpChunk(d, "EXIF"), []byte("Exif\x00\x00"))
		m.icc = webpChunk(d, "ICCP")
	case HEIF, AVIF:
		if h, err := parseHEIF(d); err == nil {
			m.exif, m.icc = heifExifTIFF(d, h), heifICC(h)
		}
	case TIFF:
		if t, ok := readTIFFDir(bytes.NewReader(d), int64(len(d))); ok {
			_, m.icc, _ = t.bytes(tagICC, 16<<20)
		}
	}
	if _, ok := tiffByteOrder(m.exif); !ok {
		m.exif = nil
	}
	return m
}

// tagICC is TIFF's InterColorProfile.
const tagICC = 34675

// exifFor is the EXIF block to write: a copy with its orientation 1 and,
// with stripGPS, no GPS directory; gone says GPS tags were taken out.
func (m metadata) exifFor(stripGPS bool) (exif []byte, gone bool) {
	if len(m.exif) == 0 || len(m.exif) > 60000 { // one JPEG segment holds it
		return nil, false
	}
	x := slices.Clone(m.exif)
	if stripGPS {
		ps := gpsPatches(x, 0)
		for _, p := range ps {
			copy(x[p.Off:], p.Data)
		}
		gone = len(ps) > 0
	}
	if d, ok := readTIFFDir(bytes.NewReader(x), int64(len(x))); ok {
		if e, k, ok := d.find(tagOrientation); ok && e.typ == 3 && e.count == 1 {
			d.bo.PutUint16(x[d.off+2+12*int64(k)+8:], 1)
		}
	}
	return x, gone
}

// iccFor is the profile to write over pixels of gray or RGB, and what
// became of the picture's.
func (m metadata) iccFor(gray bool) ([]byte, string) {
	if len(m.icc) < 128 {
		return nil, "none"
	}
	space := string(m.icc[16:20])
	want := "RGB "
	if gray {
		want = "GRAY"
	}
	if space != want {
		return nil, "dropped (" + string(bytes.TrimSpace(m.icc[16:20])) + ")"
	}
	return m.icc, "kept"
}

// jpegICC joins the ICC_PROFILE chunks of a JPEG's APP2 segments (ICC.1
// Annex B.4), in their order.
func jpegICC(d []byte) []byte {
	chunks := map[int][]byte{}
	count := 0
	i := 2
	for i+4 <= len(d) && d[i] == 0xFF {
		m := d[i+1]
		if m == 0xFF {
			i++
			continue
		}
		if m == 0xDA || m == 0xD9 {
			break
		}
		if m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			break
		}
		seg := d[i+4 : i+2+n]
		if m == 0xE2 && len(seg) > 14 && bytes.HasPrefix(seg, []byte("ICC_PROFILE\x00")) {
			chunks[int(seg[12])], count = seg[14:], int(seg[13])
		}
		i += 2 + n
	}
	if count == 0 || len(chunks) != count {
		return nil
	}
	var out []byte
	for k := 1; k <= count; k++ {
		c, ok := chunks[k]
		if !ok {
			return nil
		}
		out = append(out, c...)
	}
	return out
}

// pngICC is the profile of a PNG's iCCP chunk (name, 0, method 0, zlib).
func pngICC(d []byte) []byte {
	c := pngChunk(d, "iCCP")
	k := bytes.IndexByte(c, 0)
	if k < 0 || k+2 > len(c) || c[k+1] != 0 {
		return nil
	}
	r, err := zlib.NewReader(bytes.NewReader(c[k+2:]))
	if err != nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil
	}
	return b
}

// heifICC is the primary item's 'colr' profile ('prof' or 'rICC').
func heifICC(h heifInfo) []byte {
	for _, p := range h.primary.props {
		if p.typ == "colr" && len(p.body) > 4 && (string(p.body[:4]) == "prof" || string(p.body[:4]) == "rICC") {
			return p.body[4:]
		}
	}
	return nil
}

// writeJPEG writes m with image/jpeg, the EXIF (APP1) and ICC (APP2)
// segments put after its SOI.
func writeJPEG(w io.Writer, m image.Image, quality int, exif, icc []byte) error {
	if n, ok := m.(*image.NRGBA); ok {
		m = &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect} // opaque: reads as RGBA, image/jpeg's fast path
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	sw := &afterSOI{w: bw, insert: jpegSegments(exif, icc)}
	if err := jpeg.Encode(sw, m, &jpeg.Options{Quality: quality}); err != nil {
		return err
	}
	return bw.Flush()
}

// jpegSegments are APP1 Exif and APP2 ICC_PROFILE segments.
func jpegSegments(exif, icc []byte) []byte {
	var b bytes.Buffer
	seg := func(marker byte, parts ...[]byte) {
		n := 2
		for _, p := range parts {
			n += len(p)
		}
		b.Write([]byte{0xFF, marker, byte(n >> 8), byte(n)})
		for _, p := range parts {
			b.Write(p)
		}
	}
	if len(exif) > 0 {
		seg(0xE1, []byte("Exif\x00\x00"), exif)
	}
	const per = 65519 // 65535 - 2 - 14
	count := (len(icc) + per - 1) / per
	if count > 255 {
		count = 0 // too large to carry
	}
	for k := 0; k < count; k++ {
		seg(0xE2, []byte("ICC_PROFILE\x00"), []byte{byte(k + 1), byte(count)}, icc[k*per:min((k+1)*per, len(icc))])
	}
	return b.Bytes()
}

// afterSOI passes a JPEG through, putting insert after its first two
// bytes (the SOI marker).
type afterSOI struct {
	w      io.Writer
	insert []byte
	seen   int
}

func (a *afterSOI) Write(b []byte) (int, error) {
	n := len(b)
	if a.seen < 2 {
		k := min(2-a.seen, len(b))
		if _, err := a.w.Write(b[:k]); err != nil {
			return 0, err
		}
		a.seen += k
		b = b[k:]
		if a.seen == 2 {
			if _, err := a.w.Write(a.insert); err != nil {
				return 0, err
			}
		}
	}
	if _, err := a.w.Write(b); err != nil {
		return 0, err
	}
	return n, nil
}

// writeWebP encodes m (vp8enc; libwebp for transparency) and writes it in
// the extended container with its ICCP and EXIF chunks (WebP container
// specification: VP8X, ICCP, the image, EXIF).
func writeWebP(w io.Writer, m *image.NRGBA, quality int, exif, icc []byte) error {
	if m.Rect.Dx() > vp8enc.MaxSide || m.Rect.Dy() > vp8enc.MaxSide {
		return fmt.Errorf("WebP pictures end at %d pixels a side", vp8enc.MaxSide)
	}
	enc, err := encodeWebP(m, quality)
	if err != nil {
		return err
	}
	if len(exif) == 0 && len(icc) == 0 {
		_, err := w.Write(enc)
		return err
	}
	// The image's own chunks: VP8, or ALPH and VP8 / VP8L after a VP8X.
	var img [][]byte
	alpha := false
	for i := 12; i+8 <= len(enc); {
		n := int(binary.LittleEndian.Uint32(enc[i+4:]))
		end := i + 8 + n + n&1
		if end > len(enc) {
			return fmt.Errorf("the WebP encoder wrote a chunk past its end")
		}
		switch typ := string(enc[i : i+4]); typ {
		case "VP8X":
			alpha = len(enc) > i+8 && enc[i+8]&0x10 != 0
		case "ALPH", "VP8 ", "VP8L":
			img = append(img, enc[i:end])
			alpha = alpha || typ == "ALPH" || typ == "VP8L" && !m.Opaque()
		}
		i = end
	}
	chunk := func(typ string, body []byte) []byte {
		c := make([]byte, 8, 8+len(body)+1)
		copy(c, typ)
		binary.LittleEndian.PutUint32(c[4:], uint32(len(body)))
		c = append(c, body...)
		if len(body)&1 == 1 {
			c = append(c, 0)
		}
		return c
	}
	var flags byte
	if len(icc) > 0 {
		flags |= 0x20
	}
	if alpha {
		flags |= 0x10
	}
	if len(exif) > 0 {
		flags |= 0x08
	}
	x := make([]byte, 10)
	x[0] = flags
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(x[4:], m.Rect.Dx()-1)
	put24(x[7:], m.Rect.Dy()-1)
	body := chunk("VP8X", x)
	if len(icc) > 0 {
		body = append(body, chunk("ICCP", icc)...)
	}
	for _, c := range img {
		body = append(body, c...)
	}
	if len(exif) > 0 {
		body = append(body, chunk("EXIF", exif)...)
	}
	head := make([]byte, 12)
	copy(head, "RIFF")
	binary.LittleEndian.PutUint32(head[4:], uint32(4+len(body)))
	copy(head[8:], "WEBP")
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// writePNG writes m with image/png, iCCP and eXIf put after IHDR.
func writePNG(w io.Writer, m *image.NRGBA, exif, icc []byte) error {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, m); err != nil {
		return err
	}
	enc := buf.Bytes()
	const ihdrEnd = 8 + 8 + 13 + 4
	if len(enc) < ihdrEnd {
		return fmt.Errorf("image/png wrote %d bytes", len(enc))
	}
	chunk := func(typ string, body []byte) []byte {
		c := make([]byte, 8, 12+len(body))
		binary.BigEndian.PutUint32(c, uint32(len(body)))
		copy(c[4:], typ)
		c = append(c, body...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	var extra []byte
	if len(icc) > 0 {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		zw.Write(icc)
		zw.Close()
		extra = append(extra, chunk("iCCP", append([]byte("ICC profile\x00\x00"), z.Bytes()...))...)
	}
	if len(exif) > 0 {
		extra = append(extra, chunk("eXIf", exif)...)
	}
	for _, part := range [][]byte{enc[:ihdrEnd], extra, enc[ihdrEnd:]} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}
