package app

import (
	"testing"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// TestRefusalsSaidByTheirParts: a limit's refusal (from the picture's
// check here, or the function's note) becomes a kind said from its parts,
// counted as a refusal, and reads in English as the function said it.
func TestRefusalsSaidByTheirParts(t *testing.T) {
	_, err := thumbnail.Inspect(make([]byte, 200), thumbnail.Options{MaxBytes: 100})
	e := imageCause(err).(*Error)
	if e.Kind != KindImageOverBytes || e.Key != "100 bytes" || !isRefusal(e) {
		t.Errorf("too large: %+v (refusal %v)", e, isRefusal(e))
	}
	if got, want := e.Error(), "file too large: larger than the 100 bytes limit"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	note := refusalError("too_many_pixels", "too many pixels: declares 20000x20000 = 400 MP, limit 100 MP", "100 MP", "20000x20000 = 400 MP")
	if note.Kind != KindImageOverPixels || !isRefusal(note) || note.Error() != "too many pixels: declares 20000x20000 = 400 MP, limit 100 MP" {
		t.Errorf("too many pixels: %+v %q", note, note.Error())
	}
	// A note of an older function (no parts) is said as it was.
	old := refusalError("too_large", "file too large: larger than the 50 MB limit", "", "")
	if old.Kind != KindImageTooLarge || !isRefusal(old) || old.Error() != "file too large: larger than the 50 MB limit" {
		t.Errorf("older note: %+v %q", old, old.Error())
	}
}
