package thumbnail

import (
	"errors"
	"fmt"
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
	}
	return "unknown"
}

// Error is the error type returned for every refused image. Use errors.As to
// read Kind, or errors.Is against the Err* sentinels.
type Error struct {
	Kind   Kind
	Reason string // one human sentence fragment, e.g. "declared 60000x60000 = 3600 MP, limit 100 MP"
	Err    error  // underlying decoder error, if any
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
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
