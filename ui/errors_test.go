package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestErrorsTranslated: every sentence pattern and phrase has a Korean
// translation, and in English each of the core's real sentences comes out
// as it went in.
func TestErrorsTranslated(t *testing.T) {
	var ko map[string]string
	b, _ := os.ReadFile(filepath.Join("..", "assets", "translations", "ko.json"))
	if err := json.Unmarshal(b, &ko); err != nil {
		t.Fatal(err)
	}
	for _, p := range errorPatterns {
		if ko[p.template] == "" {
			t.Errorf("no Korean for %q", p.template)
		}
	}
	for _, ph := range errorPhrases {
		if ko[ph] == "" {
			t.Errorf("no Korean for %q", ph)
		}
	}
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("a list"), 0o644)
	empty := filepath.Join(dir, "empty.png")
	os.WriteFile(empty, nil, 0o644)
	msgs := []string{}
	for _, in := range app.ExpandPaths([]string{notes, empty, filepath.Join(dir, "gone.jpg"), t.TempDir(),
		testkit.Corpus("video-001.png")}) {
		if in.Err != nil {
			msgs = append(msgs, in.Err.Error())
		}
	}
	if len(msgs) != 4 {
		t.Fatalf("refusals: %v", msgs)
	}
	matched := 0
	for _, m := range msgs {
		if got := localizeError(m); got != m {
			t.Errorf("English changed %q to %q", m, got)
		}
		for _, p := range errorPatterns {
			if p.re.MatchString(m) {
				matched++
				break
			}
		}
	}
	if matched != len(msgs) {
		t.Errorf("only %d of %d of the core's refusals have a pattern: %v", matched, len(msgs), msgs)
	}
}
