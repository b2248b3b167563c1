//go:build !cgo || !linux || nolibheif

package thumbnail

// Without cgo (the Lambda's static binary) or off Linux, HEIC is decoded
// by the WebAssembly build of libheif only.
func nativeHEIF(threads int) (heifDecoder, bool) { return nil, false }

const libheifBinding = false
