package thumbnail

import "bytes"

// Format is an image file format recognised from its leading bytes.
type Format string

const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	BMP  Format = "bmp"
	TIFF Format = "tiff"
	HEIF Format = "heic" // HEIF still images (iPhone photos), HEVC-coded
	AVIF Format = "avif"
)

// ContentType is the MIME type of the format.
func (f Format) ContentType() string {
	if f == "" {
		return ""
	}
	return "image/" + string(f)
}

// Sniff recognises the format from the first bytes of a file (16 are
// enough, but for HEIF and AVIF files whose brands say only "mif1": their
// primary item's type tells, from the 'meta' box in the first kilobytes). It returns "" for anything that is not an image we read; the file
// name plays no part.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return WebP
	case len(head) >= 14 && bytes.HasPrefix(head, []byte("BM")):
		return BMP
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TIFF
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return sniffISO(head)
	}
	return ""
}

// Formats are the formats Sniff recognises.
var Formats = []Format{JPEG, PNG, GIF, WebP, BMP, TIFF, HEIF, AVIF}

// FormatList names the formats Sniff recognises, for messages.
const FormatList = "JPEG, PNG, GIF, WebP, BMP, TIFF, HEIC or AVIF"

// Extensions are the file name extensions of the format, the usual one
// first.
func (f Format) Extensions() []string {
	switch f {
	case JPEG:
		return []string{".jpg", ".jpeg", ".jpe"}
	case TIFF:
		return []string{".tif", ".tiff"}
	case HEIF:
		return []string{".heic", ".heif", ".hif"}
	case "":
		return []string{""}
	}
	return []string{"." + string(f)}
}
