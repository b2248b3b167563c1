package thumbnail

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies why an image was refused. Every Kind is permanent: the same
// bytes will fail the same way again, so callers must not retry.
type Kind int

const (
	// KindNotImage: the bytes are not in a format we read.
	KindNotImage Kind = iota + 1
	// KindTooLarge: the object is larger than Options.MaxBytes.
	KindTooLarge
	// KindTooManyPixels: the declared dimensions exceed Options.MaxPixels
	// (a decompression bomb, or simply a huge image).
	KindTooManyPixels
	// KindCorrupt: the format was recognised but the data could not be decoded
	// (truncated, damaged, or an unsupported variant).
	KindCorrupt
	// KindEmpty: zero bytes.
	KindEmpty
	// KindTooMuchMemory: decoding would need more memory than the budget
	// (Options.MaxMemory) allows: a small file that decodes to a huge
	// image, at a bit depth or in a format that cannot be decoded
	// downscaled.
	KindTooMuchMemory
)

func (k Kind) String() string {
	switch k {
	case KindNotImage:
		return "not an image"
	case KindTooLarge:
		return "file too large"
	case KindTooManyPixels:
		return "too many pixels"
	case KindCorrupt:
		return "corrupt image"
	case KindEmpty:
		return "empty file"
	case KindTooMuchMemory:
		return "too much memory to decode"
	}
	return "unknown"
}

// Code is the kind's name in refusal notes (resize's <thumb key>.refused).
func (k Kind) Code() string {
	switch k {
	case KindNotImage:
		return "not_image"
	case KindTooLarge:
		return "too_large"
	case KindTooManyPixels:
		return "too_many_pixels"
	case KindCorrupt:
		return "corrupt"
	case KindEmpty:
		return "empty"
	case KindTooMuchMemory:
		return "too_much_memory"
	}
	return "unknown"
}

// Error is the error type returned for every refused image. Use errors.As to
// read Kind, or errors.Is against the Err* sentinels.
type Error struct {
	Kind   Kind
	Reason string // one human sentence fragment, e.g. "declared 60000x60000 = 3600 MP, limit 100 MP"
	Err    error  // underlying decoder error, if any
	// Limit and Actual are a limit's parts, where the Kind is one (too
	// large, too many pixels, too much memory): the limit ("50 MB",
	// "100 MP") and what the picture has or needs ("20000x20000 = 400 MP"),
	// so a front end can say the sentence in its own language.
	Limit, Actual string
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		// The decoder's own words, its last clause only ("invalid JPEG
		// format: short Huffman data" says "short Huffman data"), in
		// brackets: one sentence, not a chain.
		inner := e.Err.Error()
		if i := strings.LastIndex(inner, ": "); i >= 0 {
			inner = inner[i+2:]
		}
		if inner != "" && e.Reason != "" {
			s += " (" + inner + ")"
		} else if inner != "" {
			s += ": " + inner
		}
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, ErrCorrupt) match on Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == "" && t.Err == nil && t.Kind == e.Kind
}

// Sentinels for errors.Is.
var (
	ErrNotImage      = &Error{Kind: KindNotImage}
	ErrTooLarge      = &Error{Kind: KindTooLarge}
	ErrTooManyPixels = &Error{Kind: KindTooManyPixels}
	ErrCorrupt       = &Error{Kind: KindCorrupt}
	ErrEmpty         = &Error{Kind: KindEmpty}
	ErrTooMuchMemory = &Error{Kind: KindTooMuchMemory}
)

// IsPermanent reports whether err means "this input can never be thumbnailed":
// retrying is pointless.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

func newError(k Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: k, Reason: fmt.Sprintf(format, args...), Err: err}
}
