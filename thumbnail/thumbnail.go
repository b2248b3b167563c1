// Package thumbnail turns an encoded image into a small one: the pure-Go
// pipeline shared by the Lambda function, local mode and the CLI.
//
// It sniffs the format from the bytes, refuses non-images, oversize files and
// decompression bombs before decoding, applies EXIF orientation, fits the
// image inside a square box without enlarging it and encodes it: a JPEG,
// PNG (with its transparency) or GIF in its own format, anything else as
// JPEG, or PNG where the image has transparency.
package thumbnail

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"github.com/disintegration/imaging"
)

// Defaults from the spec.
const (
	DefaultMaxSize     = 200
	DefaultJPEGQuality = 80
	DefaultMaxPixels   = 100_000_000
	DefaultMaxBytes    = 50 << 20
	// DefaultMaxMemory is the decode budget where the caller states none:
	// enough for any photo a phone or camera takes (JPEGs decode at a
	// reduced scale, PNGs a row at a time), small beside a 512 MB Lambda.
	DefaultMaxMemory = 256 << 20
)

// Options configure Make. Zero fields take the defaults.
type Options struct {
	MaxSize     int   // the thumbnail fits inside MaxSize x MaxSize
	JPEGQuality int   // 1..100
	MaxPixels   int64 // refuse images declaring more pixels than this
	MaxBytes    int64 // refuse files larger than this
	// MaxMemory refuses images whose decode would hold more bytes than
	// this at once (estimated from the header before decoding).
	MaxMemory int64
	// Widths are the widths of the extra copies MakeSet makes (a srcset's),
	// in display pixels; a width the picture does not exceed is not made
	// (never enlarged). Make ignores them.
	Widths []int
	// WebP makes MakeSet add a WebP twin of the thumbnail and of each copy.
	WebP bool
	// WebPQuality is the twins' quality, 1..100.
	WebPQuality int
	// DecoderCache is a folder where the WebAssembly decoders (HEIC,
	// AVIF) are kept compiled across processes: the data folder on the
	// desktop, /tmp in a function. "" compiles them in every process
	// (0.8 s for HEIC).
	DecoderCache string
}

func (o Options) withDefaults() Options {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.JPEGQuality <= 0 || o.JPEGQuality > 100 {
		o.JPEGQuality = DefaultJPEGQuality
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	if o.WebPQuality <= 0 || o.WebPQuality > 100 {
		o.WebPQuality = DefaultWebPQuality
	}
	return o
}

// Result is a finished thumbnail.
type Result struct {
	Data        []byte
	Format      Format // format written
	ContentType string // MIME type of Data
	SrcFormat   Format
	// Source dimensions as displayed (after EXIF orientation).
	SrcWidth, SrcHeight int
	Width, Height       int
}

// Read reads an image from r, refusing it once it exceeds opt.MaxBytes, and
// makes its thumbnail.
func Read(r io.Reader, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, opt.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	return Make(data, opt)
}

// Info is what can be learnt from a file's header without decoding pixels.
type Info struct {
	Format        Format
	Width, Height int // as stored
	Orientation   Orientation
}

// Inspect sniffs and checks an encoded image against the limits without
// decoding its pixels.
func Inspect(data []byte, opt Options) (Info, error) {
	opt = opt.withDefaults()
	if len(data) == 0 {
		return Info{}, &Error{Kind: KindEmpty}
	}
	if int64(len(data)) > opt.MaxBytes {
		return Info{}, tooLarge(opt)
	}
	return inspect(inMemory(data), opt)
}

// Header reads format, dimensions and orientation of the image in r (a
// file of size bytes) without decoding it, and without the size limit:
// for files that are uploaded rather than thumbnailed. It reads the first
// bytes (256 KiB hold the header and EXIF of any camera photo) and a
// TIFF's directory wherever it is.
func Header(r io.ReaderAt, size int64) (Info, error) {
	e, err := readEncoded(r, size)
	if err != nil {
		return Info{}, err
	}
	return inspect(e, Options{MaxPixels: math.MaxInt64}.withDefaults())
}

// encoded is an image file as the checks read it: its first bytes, and
// the file itself for what may lie anywhere in it (a TIFF's directory).
type encoded struct {
	head []byte
	r    io.ReaderAt
	size int64
}

// headSize is how much of a file's start the checks read.
const headSize = 256 << 10

func inMemory(data []byte) encoded {
	return encoded{head: data, r: bytes.NewReader(data), size: int64(len(data))}
}

// readEncoded reads the first bytes of the file r (size bytes).
func readEncoded(r io.ReaderAt, size int64) (encoded, error) {
	head := make([]byte, min(size, headSize))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return encoded{}, fmt.Errorf("read image: %w", err)
	}
	return encoded{head: head, r: r, size: size}, nil
}

func inspect(e encoded, opt Options) (Info, error) {
	if e.size == 0 || len(e.head) == 0 {
		return Info{}, &Error{Kind: KindEmpty}
	}
	f := Sniff(e.head)
	if f == "" {
		return Info{}, newError(KindNotImage, nil, "expected "+FormatList)
	}
	cfg, err := safeDecodeConfig(f, e)
	if err != nil {
		return Info{}, newError(KindCorrupt, err, "unreadable %s header", f)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Info{}, newError(KindCorrupt, nil, "%s declares %dx%d pixels", f, cfg.Width, cfg.Height)
	}
	if f == HEIF && min(cfg.Width, cfg.Height) < minHEICWidth { // stored and shown sizes may swap
		return Info{}, newError(KindCorrupt, nil, "HEIC images under %d pixels on a side are not decoded correctly here (this one is %dx%d)",
			minHEICWidth, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > opt.MaxPixels {
		e := newError(KindTooManyPixels, nil, "declares %dx%d = %.0f MP, limit %.0f MP",
			cfg.Width, cfg.Height, float64(px)/1e6, float64(opt.MaxPixels)/1e6)
		e.Actual = fmt.Sprintf("%dx%d = %.0f MP", cfg.Width, cfg.Height, float64(px)/1e6)
		e.Limit = fmt.Sprintf("%.0f MP", float64(opt.MaxPixels)/1e6)
		return Info{}, e
	}
	info := Info{Format: f, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	switch f {
	case HEIF, AVIF:
		_, info.Orientation, _, _ = heifInspect(f, e.head)
	case TIFF: // its directory, wherever it is
		if d, ok := readTIFFDir(e.r, e.size); ok {
			info.Orientation = d.orientation()
		}
	default:
		info.Orientation = orientation(f, e.head)
	}
	return info, nil
}

// layoutOf is readLayout reading a TIFF's directory wherever it is.
func layoutOf(f Format, e encoded) layout {
	if f == TIFF {
		return tiffLayout(e.r, e.size)
	}
	return readLayout(f, e.head)
}

// DisplaySize is the size as shown, after EXIF orientation.
func (i Info) DisplaySize() (w, h int) {
	if i.Orientation.swapsAxes() {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}

// Check says, reading the image file r (size bytes) only where its
// header is (its first bytes, and a TIFF's directory wherever it is),
// whether Make would refuse it (too large, too many pixels, too much
// memory to decode), so a client can say at once that no thumbnail will
// be made, and why. It does not decode; a file it passes may still turn
// out corrupt.
func Check(r io.ReaderAt, size int64, opt Options) error {
	opt = opt.withDefaults()
	if size == 0 {
		return &Error{Kind: KindEmpty}
	}
	if size > opt.MaxBytes {
		return tooLarge(opt)
	}
	e, err := readEncoded(r, size)
	if err != nil {
		return err
	}
	info, err := inspect(e, opt)
	if err != nil {
		return err
	}
	return checkMemory(info, layoutOf(info.Format, e), int(size), opt)
}

// MemoryNeed estimates, reading the image file r (size bytes) as Check
// does, the most memory making its thumbnail (or set, as opt says) holds
// at once, the file's bytes included; 0 where the header does not tell.
// Callers that run several at once weigh them by it.
func MemoryNeed(r io.ReaderAt, size int64, opt Options) int64 {
	opt = opt.withDefaults()
	e, err := readEncoded(r, size)
	if err != nil {
		return 0
	}
	info, err := inspect(e, opt)
	if err != nil {
		return 0
	}
	targets, dw, dh := plan(info, opt)
	return memoryNeed(info, layoutOf(info.Format, e), int(size), dw, dh) + setNeed(targets, opt.WebP)
}

// Make makes the thumbnail of an encoded image (MakeSet without copies).
func Make(data []byte, opt Options) (*Result, error) {
	opt.Widths, opt.WebP = nil, false
	pieces, err := MakeSet(data, opt)
	if err != nil {
		return nil, err
	}
	return pieces[0].Result, nil
}

// fitSize is the largest size within max x max with w:h's aspect ratio, never
// larger than w x h.
func fitSize(w, h, max int) (int, int) {
	if w <= max && h <= max {
		return w, h
	}
	s := math.Min(float64(max)/float64(w), float64(max)/float64(h))
	tw := int(math.Round(float64(w) * s))
	th := int(math.Round(float64(h) * s))
	return clamp(tw, 1, max), clamp(th, 1, max)
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// scale resizes m to exactly tw x th. It box-shrinks by an integer factor on
// the decoder's own pixel layout while keeping at least twice the target
// size, then finishes with Lanczos: as sharp as Lanczos all the way (PSNR
// about 40 dB against it on camera photos) for a fraction of the work.
func scale(m image.Image, tw, th int) *image.NRGBA {
	b := m.Bounds()
	if k := min(b.Dx()/(2*tw), b.Dy()/(2*th)); k >= 2 {
		m = shrink(m, k)
	}
	if b := m.Bounds(); b.Dx() == tw && b.Dy() == th {
		return toNRGBA(m)
	}
	return resample(m, tw, th)
}

func toNRGBA(m image.Image) *image.NRGBA {
	if n, ok := m.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n
	}
	return imaging.Clone(m)
}

// orient applies an EXIF orientation so the image displays upright.
func orient(m *image.NRGBA, o Orientation) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(m)
	case 3:
		return imaging.Rotate180(m)
	case 4:
		return imaging.FlipV(m)
	case 5:
		return imaging.Transpose(m)
	case 6:
		return imaging.Rotate270(m)
	case 7:
		return imaging.Transverse(m)
	case 8:
		return imaging.Rotate90(m)
	}
	return m
}

// encode writes the thumbnail of a JPEG, PNG or GIF in its own format;
// any other (WebP, BMP, TIFF, HEIF, AVIF) becomes JPEG, or PNG when it has
// transparency: small, and shown by every browser (SPEC, Thumbnails). src is the decoded source, used for a GIF's palette and a grayscale source.
func encode(m *image.NRGBA, srcFormat Format, src image.Image, opt Options) ([]byte, Format, error) {
	var buf bytes.Buffer
	f := srcFormat
	switch f {
	case JPEG, PNG, GIF:
	default:
		f = JPEG
		if !m.Opaque() {
			f = PNG
		}
	}
	var err error
	switch f {
	case JPEG:
		// Opaque, so its bytes read the same as RGBA: image/jpeg's fast
		// path, not an interface call per pixel.
		var out image.Image = &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
		if isGray(src) {
			out = grayOf(m)
		}
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: opt.JPEGQuality})
	case PNG:
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, m)
	case GIF:
		pal := paletteOf(src)
		p := image.NewPaletted(m.Rect, pal)
		draw.FloydSteinberg.Draw(p, m.Rect, m, image.Point{})
		err = gif.Encode(&buf, p, nil)
	}
	return buf.Bytes(), f, err
}

func isGray(m image.Image) bool {
	switch m.(type) {
	case *image.Gray, *image.Gray16:
		return true
	}
	return false
}

func grayOf(m *image.NRGBA) *image.Gray {
	g := image.NewGray(m.Rect)
	for i := range g.Pix {
		g.Pix[i] = m.Pix[4*i+1] // R=G=B for a gray source
	}
	return g
}

func paletteOf(m image.Image) color.Palette {
	if p, ok := m.(*image.Paletted); ok && len(p.Palette) > 0 {
		return p.Palette
	}
	return palette256
}

// palette256 is used when a GIF source lost its palette (it was shrunk).
var palette256 = func() color.Palette {
	p := make(color.Palette, 0, 256)
	p = append(p, color.NRGBA{})
	for r := 0; r < 6; r++ {
		for g := 0; g < 7; g++ {
			for b := 0; b < 6; b++ {
				p = append(p, color.NRGBA{uint8(r * 51), uint8(g * 255 / 6), uint8(b * 51), 255})
			}
		}
	}
	return p
}()

func humanBytes(n int64) string {
	const unit = 1 << 20
	if n >= unit {
		return fmt.Sprintf("%d MB", n/unit)
	}
	return fmt.Sprintf("%d bytes", n)
}

// tooLarge: the file is larger than opt.MaxBytes.
func tooLarge(opt Options) *Error {
	e := newError(KindTooLarge, nil, "larger than the %s limit", humanBytes(opt.MaxBytes))
	e.Limit = humanBytes(opt.MaxBytes)
	return e
}
