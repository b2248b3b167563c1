package resize

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// Default prefixes (the NodeBird convention).
const (
	DefaultOriginalPrefix = "original/"
	DefaultThumbPrefix    = "thumb/"
)

// Config is what the resize function needs to know.
type Config struct {
	OriginalPrefix string
	ThumbPrefix    string
	Thumbnail      thumbnail.Options
	CacheControl   string
}

// DefaultConfig returns the spec's defaults.
func DefaultConfig() Config {
	return Config{
		OriginalPrefix: DefaultOriginalPrefix,
		ThumbPrefix:    DefaultThumbPrefix,
		Thumbnail: thumbnail.Options{
			MaxSize:     thumbnail.DefaultMaxSize,
			JPEGQuality: thumbnail.DefaultJPEGQuality,
			MaxPixels:   thumbnail.DefaultMaxPixels,
			MaxBytes:    thumbnail.DefaultMaxBytes,
		},
		CacheControl: DefaultCacheControl,
	}
}

func (c Config) cacheControl() string {
	if c.CacheControl == "" {
		return DefaultCacheControl
	}
	return c.CacheControl
}

// ConfigFromEnv reads THUMB_MAX_SIZE, THUMB_JPEG_QUALITY, ORIGINAL_PREFIX,
// THUMB_PREFIX, MAX_PIXELS, MAX_BYTES, EXTRA_WIDTHS ("640,1280") and WEBP
// ("true"); unset ones keep their defaults. The decoders' compilation
// cache is in the temporary folder (/tmp).
// The decode budget follows the function's memory (FunctionMemoryMB).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	ints := []struct {
		name string
		dst  *int
		lo   int
		hi   int
	}{
		{"THUMB_MAX_SIZE", &c.Thumbnail.MaxSize, 1, 10000},
		{"THUMB_JPEG_QUALITY", &c.Thumbnail.JPEGQuality, 1, 100},
	}
	for _, v := range ints {
		if s := getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < v.lo || n > v.hi {
				return c, fmt.Errorf("%s=%q: want a whole number from %d to %d", v.name, s, v.lo, v.hi)
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		name string
		dst  *int64
	}{{"MAX_PIXELS", &c.Thumbnail.MaxPixels}, {"MAX_BYTES", &c.Thumbnail.MaxBytes}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return c, fmt.Errorf("%s=%q: want a positive whole number", v.name, s)
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		name string
		dst  *string
	}{{"ORIGINAL_PREFIX", &c.OriginalPrefix}, {"THUMB_PREFIX", &c.ThumbPrefix}} {
		if s := getenv(v.name); s != "" {
			*v.dst = s
		}
	}
	widths, err := ParseWidths(getenv("EXTRA_WIDTHS"))
	if err != nil {
		return c, fmt.Errorf("EXTRA_WIDTHS: %w", err)
	}
	c.Thumbnail.Widths = widths
	if s := getenv("WEBP"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return c, fmt.Errorf("WEBP=%q: want true or false", s)
		}
		c.Thumbnail.WebP = b
	}
	if mb := FunctionMemoryMB(getenv); mb > 0 {
		c.Thumbnail.MaxMemory = DecodeBudget(mb << 20)
	}
	// A function's only writable folder: the decoders compiled by one
	// process of a sandbox are loaded by the next (a restart after a
	// timeout or running out of memory) instead of compiled again.
	c.Thumbnail.DecoderCache = filepath.Join(os.TempDir(), "thumbdrop")
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// FunctionMemoryMB is the memory the function was given, in MB, as Lambda
// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) or Cloud Functions (FUNCTION_MEMORY_MB,
// set by deploy/gcp) says; 0 if neither does.
func FunctionMemoryMB(getenv func(string) string) int64 {
	for _, name := range []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "FUNCTION_MEMORY_MB"} {
		if mb, err := strconv.ParseInt(getenv(name), 10, 64); err == nil && mb > 0 {
			return mb
		}
	}
	return 0
}

// DecodeBudget is how much of a function's memory one decode may take:
// three fifths, the rest for the runtime, the original's bytes and the
// encoder.
func DecodeBudget(functionMemory int64) int64 {
	return functionMemory * 3 / 5
}

// Validate refuses prefixes that would make the function read its own
// output (endless recursion) or overwrite originals.
func (c Config) Validate() error {
	o, t := c.OriginalPrefix, c.ThumbPrefix
	if o == "" || t == "" {
		return fmt.Errorf("original and thumbnail prefixes must not be empty")
	}
	if strings.HasPrefix(t, o) || strings.HasPrefix(o, t) {
		return fmt.Errorf("prefixes %q and %q overlap: thumbnails would trigger the function again", o, t)
	}
	return nil
}

// ParseWidths reads a list of copy widths: whole numbers from 16 to 10000
// separated by commas or spaces ("640,1280"), at most
// thumbnail.MaxWidths; empty is none. They come back sorted, without
// repeats.
func ParseWidths(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(strings.TrimSuffix(f, "w"))
		if err != nil || n < 16 || n > 10000 {
			return nil, fmt.Errorf("%q is not a width: want whole numbers from 16 to 10000, like 640,1280", f)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > thumbnail.MaxWidths {
		return nil, fmt.Errorf("%d widths given; at most %d copies can be made", len(out), thumbnail.MaxWidths)
	}
	return out, nil
}
