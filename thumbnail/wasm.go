package thumbnail

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"sync"
	_ "unsafe" // go:linkname, for the decoders' embedded WebAssembly

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	// The modules whose WebAssembly is run here (and which register
	// "heic" and "avif" with package image).
	_ "github.com/gen2brain/avif"
	_ "github.com/gen2brain/heic"
)

// HEIC and AVIF are decoded by libheif/libde265 and libavif/dav1d compiled
// to WebAssembly, as gen2brain/heic and gen2brain/avif ship them, so the
// pipeline stays pure Go and the Lambda a static binary. This file runs
// those modules itself, with wazero, rather than through the packages'
// Decode, for three things they do not offer:
//   - a compilation cache (Options.DecoderCache): compiling libheif takes
//     0.8 s of every process; loading it compiled from the cache, 20 ms;
//   - several instances of a module at once, each with its own memory, so
//     a grid's tiles decode on every core (heifdecode.go);
//   - decoding an item other than the primary (a thumbnail, a tile): the
//     modules decode a file's primary item only, so heifdecode.go hands
//     them a minimal file made of that item.
// Each decoder is compiled (or loaded) the first time a file of its format
// arrives: JPEG-only cold starts never pay for it. Build with the
// nodynamic tag, so neither package looks for a system libheif or libavif
// at start.
//
// The calls into the modules follow gen2brain's decode.go and
// avif_wazero.go (MIT licence, copyright (c) 2024 gen2brain; see
// LICENSE.gen2brain beside this file); the WebAssembly is read from those
// packages, so its version is the one go.mod names. libheif, libde265,
// libavif and dav1d are under their own licences, shipped in those
// modules' lib folders.

//go:linkname heicWasmGz github.com/gen2brain/heic.heifWasm
var heicWasmGz []byte

//go:linkname avifWasmGz github.com/gen2brain/avif.decodeWasm
var avifWasmGz []byte

// minHEICWidth: libheif returns planes with strides aligned to 16 bytes,
// as the calls below read them, but pads planes narrower than 64 bytes to
// 64: a luma plane under 49 pixels, or the 4:2:0 chroma planes of an image
// under 97, would come out skewed (measured against heif-convert on images
// 40 to 1001 pixels wide). No camera makes such small HEICs; they (under 97
// pixels on either side) are refused rather than thumbnailed with wrong
// colours, and thumbnail items or tiles that small are not decoded alone.
const minHEICWidth = 97

// wasmCodec is one of the WebAssembly decoders.
type wasmCodec struct {
	name string
	gz   *[]byte

	mu      sync.Mutex
	engines map[string]*wasmEngine // by cache directory ("": none)
}

var (
	heicCodec = &wasmCodec{name: "libheif", gz: &heicWasmGz}
	avifCodec = &wasmCodec{name: "libavif", gz: &avifWasmGz}
)

// wasmEngine is a codec compiled in a runtime of its own.
type wasmEngine struct {
	once sync.Once
	rt   wazero.Runtime
	cm   wazero.CompiledModule
	err  error
}

// cacheSubdir is the folder under Options.DecoderCache that wazero's
// compiled code goes in (wazero adds a folder per its version and
// platform).
const cacheSubdir = "wasm"

// engine returns the codec compiled, with dir as wazero's compilation
// cache when it is not "". A cache that cannot be used (a read-only
// folder) leaves the codec compiled in memory.
func (c *wasmCodec) engine(dir string) (*wasmEngine, error) {
	c.mu.Lock()
	if c.engines == nil {
		c.engines = map[string]*wasmEngine{}
	}
	e := c.engines[dir]
	if e == nil {
		e = &wasmEngine{}
		c.engines[dir] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.err = e.compile(c, dir) })
	return e, e.err
}

func (e *wasmEngine) compile(c *wasmCodec, dir string) error {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfig()
	if dir != "" {
		d := filepath.Join(dir, cacheSubdir)
		if err := os.MkdirAll(d, 0o700); err == nil {
			if cache, err := wazero.NewCompilationCacheWithDir(d); err == nil {
				cfg = cfg.WithCompilationCache(cache)
			}
		}
	}
	e.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	zr, err := gzip.NewReader(bytes.NewReader(*c.gz))
	if err != nil {
		return fmt.Errorf("%s WebAssembly: %w", c.name, err)
	}
	bin, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("%s WebAssembly: %w", c.name, err)
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
		return fmt.Errorf("%s WASI: %w", c.name, err)
	}
	if e.cm, err = e.rt.CompileModule(ctx, bin); err != nil {
		return fmt.Errorf("compile %s: %w", c.name, err)
	}
	return nil
}

// wasmInstance is one instance of a codec: its own memory, one decode at
// a time. Close it when done.
type wasmInstance struct {
	mod                 api.Module
	malloc, free, entry api.Function
}

func (c *wasmCodec) instance(dir string) (*wasmInstance, error) {
	e, err := c.engine(dir)
	if err != nil {
		return nil, err
	}
	// Anonymous, so instances run side by side; libheif's warnings are
	// not ours to print.
	mod, err := e.rt.InstantiateModule(context.Background(), e.cm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", c.name, err)
	}
	return &wasmInstance{mod: mod, malloc: mod.ExportedFunction("malloc"), free: mod.ExportedFunction("free"),
		entry: mod.ExportedFunction("decode")}, nil
}

func (w *wasmInstance) Close() { w.mod.Close(context.Background()) }

var (
	errWasmMemory = errors.New("decoder memory exhausted")
	errWasmDecode = errors.New("the decoder refused the data")
)

// alloc reserves n bytes in the instance's memory.
func (w *wasmInstance) alloc(n int) (uint32, error) {
	res, err := w.malloc.Call(context.Background(), uint64(n))
	if err != nil {
		return 0, err
	}
	if res[0] == 0 {
		return 0, errWasmMemory
	}
	return uint32(res[0]), nil
}

func (w *wasmInstance) release(p uint32) { w.free.Call(context.Background(), uint64(p)) }

func (w *wasmInstance) call(args ...uint64) error {
	res, err := w.entry.Call(context.Background(), args...)
	if err != nil {
		return err
	}
	if res[0] == 0 {
		return errWasmDecode
	}
	return nil
}

// libheif's colour spaces and chroma formats, as its decode returns them.
const (
	heifColorspaceYCbCr      = 0
	heifColorspaceRGB        = 1
	heifColorspaceMonochrome = 2
	heifChroma420            = 1
	heifChroma422            = 2
	heifChroma444            = 3
)

// decodeHEIFPrimary decodes the primary item of an HEIF file (libheif
// applies the item's 'irot', 'imir' and 'clap'). The image's planes are
// the instance's memory: they stay valid after Close (the image keeps the
// memory alive); an instance that decodes again frees them first, with
// release, once they are copied. Freeing them before would let the
// allocator write its bookkeeping into the first pixels.
func (w *wasmInstance) decodeHEIFPrimary(file []byte) (image.Image, error) {
	m, _, err := w.decodeHEIF(file)
	return m, err
}

func (w *wasmInstance) decodeHEIF(file []byte) (m image.Image, release func(), err error) {
	in, err := w.alloc(len(file))
	if err != nil {
		return nil, nil, err
	}
	defer w.release(in)
	mem := w.mod.Memory()
	if !mem.Write(in, file) {
		return nil, nil, errWasmMemory
	}
	out5, err := w.alloc(20)
	if err != nil {
		return nil, nil, err
	}
	defer w.release(out5)
	p := uint64(out5)
	args := func(configOnly, out uint64) []uint64 {
		return []uint64{uint64(in), uint64(len(file)), configOnly, p, p + 4, p + 8, p + 12, p + 16, out}
	}
	if err := w.call(args(1, 0)...); err != nil {
		return nil, nil, err
	}
	var v [5]uint32
	for i := range v {
		v[i], _ = mem.ReadUint32Le(out5 + uint32(4*i))
	}
	width, height, colorspace, chroma, premultiplied := int(v[0]), int(v[1]), v[2], v[3], v[4]
	if width <= 0 || height <= 0 || width > 1<<16 || height > 1<<16 {
		return nil, nil, fmt.Errorf("the decoder reports %dx%d pixels", width, height)
	}
	rect := image.Rect(0, 0, width, height)
	var size, ys, cs, ch int
	var ratio image.YCbCrSubsampleRatio
	switch colorspace {
	case heifColorspaceYCbCr:
		cw := width
		ch = height
		switch chroma {
		case heifChroma420:
			ratio, cw, ch = image.YCbCrSubsampleRatio420, (width+1)/2, (height+1)/2
		case heifChroma422:
			ratio, cw = image.YCbCrSubsampleRatio422, (width+1)/2
		case heifChroma444:
			ratio = image.YCbCrSubsampleRatio444
		default:
			return nil, nil, fmt.Errorf("unsupported chroma format %d", chroma)
		}
		ys, cs = align16(width), align16(cw)
		size = ys*height + 2*cs*ch
	case heifColorspaceMonochrome:
		ys = align16(width)
		size = ys * height
	case heifColorspaceRGB:
		ys = align16(width * 4)
		size = ys * height
	default:
		return nil, nil, fmt.Errorf("unsupported colour space %d", colorspace)
	}
	out, err := w.alloc(size)
	if err != nil {
		return nil, nil, err
	}
	release = func() { w.release(out) }
	if err := w.call(args(0, uint64(out))...); err != nil {
		release()
		return nil, nil, err
	}
	pix, ok := mem.Read(out, uint32(size))
	if !ok {
		release()
		return nil, nil, errWasmMemory
	}
	switch colorspace {
	case heifColorspaceYCbCr:
		i0, i1 := ys*height, ys*height+cs*ch
		return &image.YCbCr{Y: pix[:i0:i0], Cb: pix[i0:i1:i1], Cr: pix[i1:size:size], YStride: ys, CStride: cs,
			SubsampleRatio: ratio, Rect: rect}, release, nil
	case heifColorspaceMonochrome:
		return &image.Gray{Pix: pix, Stride: ys, Rect: rect}, release, nil
	}
	if premultiplied == 1 {
		return &image.RGBA{Pix: pix, Stride: ys, Rect: rect}, release, nil
	}
	return &image.NRGBA{Pix: pix, Stride: ys, Rect: rect}, release, nil
}

func align16(n int) int { return (n + 15) &^ 15 }

// decodeAVIFPrimary decodes the primary item of an AVIF file, as stored
// (libavif applies no transform), to premultiplied RGBA, 16-bit above 8
// bits per channel. The image is the instance's memory, as with
// decodeHEIFPrimary.
func (w *wasmInstance) decodeAVIFPrimary(file []byte) (image.Image, error) {
	in, err := w.alloc(len(file))
	if err != nil {
		return nil, err
	}
	defer w.release(in)
	mem := w.mod.Memory()
	if !mem.Write(in, file) {
		return nil, errWasmMemory
	}
	out4, err := w.alloc(16)
	if err != nil {
		return nil, err
	}
	defer w.release(out4)
	p := uint64(out4)
	if err := w.call(uint64(in), uint64(len(file)), 1, 0, p, p+4, p+8, p+12, 0, 0); err != nil {
		return nil, err
	}
	width, _ := mem.ReadUint32Le(out4)
	height, _ := mem.ReadUint32Le(out4 + 4)
	depth, _ := mem.ReadUint32Le(out4 + 8)
	if width == 0 || height == 0 || width > 1<<16 || height > 1<<16 {
		return nil, fmt.Errorf("the decoder reports %dx%d pixels", width, height)
	}
	bpp := 4
	if depth > 8 {
		bpp = 8
	}
	size := int(width) * int(height) * bpp
	out, err := w.alloc(size)
	if err != nil {
		return nil, err
	}
	// Not freed: an 8-bit image is this memory (see decodeHEIFPrimary).
	delay, err := w.alloc(8)
	if err != nil {
		return nil, err
	}
	defer w.release(delay)
	if err := w.call(uint64(in), uint64(len(file)), 0, 0, p, p+4, p+8, p+12, uint64(delay), uint64(out)); err != nil {
		return nil, err
	}
	pix, ok := mem.Read(out, uint32(size))
	if !ok {
		return nil, errWasmMemory
	}
	rect := image.Rect(0, 0, int(width), int(height))
	if bpp == 4 {
		return &image.RGBA{Pix: pix, Stride: int(width) * 4, Rect: rect}, nil
	}
	// Little-endian samples in the module's memory; image.RGBA64 is
	// big-endian.
	m := image.NewRGBA64(rect)
	for i := 0; i+1 < len(pix); i += 2 {
		m.Pix[i], m.Pix[i+1] = pix[i+1], pix[i]
	}
	return m, nil
}
