package assets

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestEveryStringTranslated: each lang.L("…") literal in ui/ has an English
// and a Korean entry, and the two files have the same keys.
func TestEveryStringTranslated(t *testing.T) {
	load := func(name string) map[string]string {
		b, err := os.ReadFile(filepath.Join("translations", name))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	en, ko := load("en.json"), load("ko.json")
	files, _ := filepath.Glob(filepath.Join("..", "ui", "*.go"))
	re := regexp.MustCompile(`lang\.L\(("(?:[^"\\]|\\.)*")\)`)
	n := 0
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for _, m := range re.FindAllSubmatch(src, -1) {
			s, err := strconv.Unquote(string(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			n++
			if _, ok := en[s]; !ok {
				t.Errorf("%s: %q has no English entry", filepath.Base(f), s)
			}
			if v, ok := ko[s]; !ok || v == "" {
				t.Errorf("%s: %q has no Korean translation", filepath.Base(f), s)
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d translatable strings", n)
	}
	for k := range en {
		if _, ok := ko[k]; !ok {
			t.Errorf("%q is in en.json but not ko.json", k)
		}
	}
}
