//go:build cgo && linux && !nolibheif

package thumbnail

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The few declarations of libheif's C API (libheif/heif.h, stable since
// 1.x) this file calls, so that building needs no libheif-dev and the
// binary no libheif: it is opened at run time where the system has it.
struct heif_error { int code; int subcode; const char *message; };
struct heif_context;
struct heif_image_handle;
struct heif_image;
// The head of struct heif_decoding_options (version 2 and later).
struct td_options {
	uint8_t version;
	uint8_t ignore_transformations;
	void *start_progress, *on_progress, *end_progress, *progress_user_data;
	uint8_t convert_hdr_to_8bit;
};

static struct heif_context *(*td_context_alloc)(void);
static void (*td_context_free)(struct heif_context *);
static struct heif_error (*td_read_from_memory)(struct heif_context *, const void *, size_t, const void *);
static void (*td_set_threads)(struct heif_context *, int);
static struct heif_error (*td_primary_handle)(struct heif_context *, struct heif_image_handle **);
static void (*td_handle_release)(const struct heif_image_handle *);
static struct td_options *(*td_options_alloc)(void);
static void (*td_options_free)(struct td_options *);
static struct heif_error (*td_decode_image)(const struct heif_image_handle *, struct heif_image **, int, int, const struct td_options *);
static void (*td_image_release)(const struct heif_image *);
static int (*td_image_colorspace)(const struct heif_image *);
static int (*td_image_chroma)(const struct heif_image *);
static int (*td_image_width)(const struct heif_image *, int channel);
static int (*td_image_height)(const struct heif_image *, int channel);
static const uint8_t *(*td_image_plane)(const struct heif_image *, int channel, int *stride);

#define TD_SYM(v, name) if (!(*(void **)(&v) = dlsym(lib, name))) return 0;

static int td_open(void) {
	void *lib = dlopen("libheif.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) return 0;
	TD_SYM(td_context_alloc, "heif_context_alloc")
	TD_SYM(td_context_free, "heif_context_free")
	TD_SYM(td_read_from_memory, "heif_context_read_from_memory_without_copy")
	TD_SYM(td_set_threads, "heif_context_set_max_decoding_threads")
	TD_SYM(td_primary_handle, "heif_context_get_primary_image_handle")
	TD_SYM(td_handle_release, "heif_image_handle_release")
	TD_SYM(td_options_alloc, "heif_decoding_options_alloc")
	TD_SYM(td_options_free, "heif_decoding_options_free")
	TD_SYM(td_decode_image, "heif_decode_image")
	TD_SYM(td_image_release, "heif_image_release")
	TD_SYM(td_image_colorspace, "heif_image_get_colorspace")
	TD_SYM(td_image_chroma, "heif_image_get_chroma_format")
	TD_SYM(td_image_width, "heif_image_get_width")
	TD_SYM(td_image_height, "heif_image_get_height")
	TD_SYM(td_image_plane, "heif_image_get_plane_readonly")
	// From libheif 1.17 on, HEVC decoding is a plugin that may not be
	// installed (libheif-plugin-libde265).
	int (*have_decoder)(int);
	TD_SYM(have_decoder, "heif_have_decoder_for_format")
	return have_decoder(1); // heif_compression_HEVC
}

// td_decode decodes the primary item of the file in data, as stored
// (transforms ignored), 8 bits per sample, in the colour space and chroma
// format given.
static int td_decode(const void *data, size_t size, int threads, int colorspace, int chroma, struct heif_image **out, char *msg, int msglen) {
	struct heif_context *ctx = td_context_alloc();
	struct heif_error err = td_read_from_memory(ctx, data, size, NULL);
	struct heif_image_handle *h = NULL;
	if (err.code == 0) {
		td_set_threads(ctx, threads);
		err = td_primary_handle(ctx, &h);
	}
	if (err.code == 0) {
		struct td_options *o = td_options_alloc();
		o->ignore_transformations = 1;
		if (o->version >= 2) o->convert_hdr_to_8bit = 1;
		err = td_decode_image(h, out, colorspace, chroma, o);
		td_options_free(o);
	}
	if (err.code != 0 && msg) {
		strncpy(msg, err.message ? err.message : "", msglen - 1);
		msg[msglen - 1] = 0;
	}
	if (h) td_handle_release(h);
	td_context_free(ctx); // the image keeps what it needs
	return err.code;
}

static int td_colorspace(struct heif_image *m) { return td_image_colorspace(m); }
static int td_chroma(struct heif_image *m) { return td_image_chroma(m); }
static int td_width(struct heif_image *m, int c) { return td_image_width(m, c); }
static int td_height(struct heif_image *m, int c) { return td_image_height(m, c); }
static const uint8_t *td_plane(struct heif_image *m, int c, int *stride) { return td_image_plane(m, c, stride); }
static void td_release(struct heif_image *m) { td_image_release(m); }
*/
import "C"

import (
	"fmt"
	"image"
	"sync"
	"unsafe"
)

// The system's libheif (libheif1 on Debian and Ubuntu; opened at run
// time, so a machine without it decodes with the WebAssembly build) is
// native code, several times the speed of the same library under wazero:
// a 12 MP HEIC decodes in about a quarter of the time (bench/heif.sh). The
// desktop app and CLI use it where it is there; the Lambda, a static
// CGO_ENABLED=0 binary, never builds this file. Native code reads the
// file outside the WebAssembly sandbox: the desktop decodes only what its
// user chose or uploaded, while the Lambda, which decodes whatever is put
// in the bucket, stays on the sandboxed build. Build with the nolibheif
// tag to leave it out.

// libheifBinding: this build can use the system's libheif.
const libheifBinding = true

var openLibheif = sync.OnceValue(func() bool { return C.td_open() == 1 })

// nativeDecoder decodes HEIF files with the system's libheif, on up to
// threads threads.
type nativeDecoder struct{ threads int }

// nativeHEIF returns the system's libheif as a decoder, if it has one.
func nativeHEIF(threads int) (heifDecoder, bool) {
	if !useNativeHEIF || !openLibheif() {
		return nil, false
	}
	return nativeDecoder{threads}, true
}

func (nativeDecoder) Close() {}

// decodeHEIF decodes the file's primary item, as stored, into Go memory.
func (d nativeDecoder) decodeHEIF(file []byte) (image.Image, func(), error) {
	p := C.CBytes(file) // libheif reads it while it decodes; Go's memory may not be held by C
	defer C.free(p)
	var img *C.struct_heif_image
	var msg [256]C.char
	// As coded: libheif before 1.17 cannot say, and converts to RGB
	// unless told; the item's hvcC says (4:2:0 where it is not read).
	colorspace, chroma := heifColorspaceYCbCr, heifChroma420
	if h, err := parseHEIF(file); err == nil {
		coded := h.primary
		if h.grid != nil {
			coded = h.grid.tiles[0]
		}
		for _, p := range coded.props {
			if p.typ == "hvcC" && len(p.body) > 16 {
				switch p.body[16] & 3 {
				case 0:
					colorspace, chroma = heifColorspaceMonochrome, 0 // heif_chroma_monochrome
				case 2:
					chroma = heifChroma422
				case 3:
					chroma = heifChroma444
				}
			}
		}
	}
	if code := C.td_decode(p, C.size_t(len(file)), C.int(max(d.threads, 1)), C.int(colorspace), C.int(chroma), &img, &msg[0], C.int(len(msg))); code != 0 {
		return nil, nil, fmt.Errorf("libheif: %s (error %d)", C.GoString(&msg[0]), int(code))
	}
	defer C.td_release(img)
	plane := func(channel int) ([]byte, int, int, int) {
		var stride C.int
		ptr := C.td_plane(img, C.int(channel), &stride)
		w, h := int(C.td_width(img, C.int(channel))), int(C.td_height(img, C.int(channel)))
		if ptr == nil || w <= 0 || h <= 0 || int(stride) < w {
			return nil, 0, 0, 0
		}
		// Copied row by row into a plane of Go's own.
		out := make([]byte, w*h)
		src := unsafe.Slice((*byte)(unsafe.Pointer(ptr)), int(stride)*(h-1)+w)
		for y := range h {
			copy(out[y*w:(y+1)*w], src[y*int(stride):])
		}
		return out, w, w, h
	}
	const (
		channelY, channelCb, channelCr = 0, 1, 2
	)
	switch cs, chroma := int(C.td_colorspace(img)), int(C.td_chroma(img)); {
	case cs == heifColorspaceYCbCr:
		y, ys, w, h := plane(channelY)
		cb, cs, _, _ := plane(channelCb)
		cr, _, _, _ := plane(channelCr)
		ratio := map[int]image.YCbCrSubsampleRatio{heifChroma420: image.YCbCrSubsampleRatio420,
			heifChroma422: image.YCbCrSubsampleRatio422, heifChroma444: image.YCbCrSubsampleRatio444}
		r, ok := ratio[chroma]
		if y == nil || cb == nil || cr == nil || !ok {
			return nil, nil, fmt.Errorf("libheif: unsupported chroma format %d", chroma)
		}
		m := &image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: ys, CStride: cs, SubsampleRatio: r, Rect: image.Rect(0, 0, w, h)}
		if want := image.NewYCbCr(m.Rect, r); len(want.Cb) != len(cb) {
			return nil, nil, fmt.Errorf("libheif: chroma planes of %d bytes for %dx%d", len(cb), w, h)
		}
		return m, func() {}, nil
	case cs == heifColorspaceMonochrome:
		y, ys, w, h := plane(channelY)
		if y == nil {
			return nil, nil, fmt.Errorf("libheif: no luma plane")
		}
		return &image.Gray{Pix: y, Stride: ys, Rect: image.Rect(0, 0, w, h)}, func() {}, nil
	default:
		return nil, nil, fmt.Errorf("libheif: unsupported colour space %d", cs)
	}
}
