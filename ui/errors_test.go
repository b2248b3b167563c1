package ui

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// koErrors loads the Korean translations of the core's error kinds and
// fixes.
func koErrors(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "assets", "translations", "errors.ko.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ko map[string]string
	if err := json.Unmarshal(b, &ko); err != nil {
		t.Fatal(err)
	}
	return ko
}

var placeholder = regexp.MustCompile(`\{(file|key|value|fix|cause)\}`)

func placeholders(s string) []string {
	m := map[string]bool{}
	for _, p := range placeholder.FindAllString(s, -1) {
		m[p] = true
	}
	var out []string
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestEveryKindTranslated: every kind of error the core reports, and
// every fix it gives, has a Korean sentence, which names the file where
// the English one does and uses no part the error does not have; and no
// translation is left for a kind that no longer exists.
func TestEveryKindTranslated(t *testing.T) {
	ko := koErrors(t)
	want := map[string]bool{}
	for _, k := range app.Kinds() {
		key := "error." + string(k)
		want[key] = true
		tr := ko[key]
		if tr == "" {
			t.Errorf("no Korean for kind %s (%q)", k, (&app.Error{Kind: k}).Template())
			continue
		}
		en := (&app.Error{Kind: k}).Template()
		enP := strings.Join(placeholders(en), " ")
		for _, p := range placeholders(tr) {
			if !strings.Contains(enP, p) {
				t.Errorf("%s: Korean uses %s, English (%q) has no such part", k, p, en)
			}
		}
		for _, must := range []string{"{file}", "{cause}", "{key}"} {
			if strings.Contains(en, must) && !strings.Contains(tr, must) {
				t.Errorf("%s: Korean %q drops %s", k, tr, must)
			}
		}
	}
	for _, f := range app.Fixes() {
		key := "fix." + string(f)
		want[key] = true
		if ko[key] == "" {
			t.Errorf("no Korean for fix %s (%q)", f, app.FixText(f))
		}
	}
	for k := range ko {
		if !want[k] {
			t.Errorf("%s is translated but the core has no such kind or fix", k)
		}
	}
}

// TestKoreanSentences: each kind, filled as the window fills it with the
// Korean templates, reads as Korean (Hangul, no English words of its
// English sentence left) and carries the file's name and the cause.
func TestKoreanSentences(t *testing.T) {
	ko := koErrors(t)
	var sayKo func(error) string
	sayKo = func(err error) string {
		var e *app.Error
		if !errors.As(err, &e) {
			return err.Error()
		}
		tmpl := ko["error."+string(e.Kind)]
		if tmpl == "" {
			tmpl = e.Template()
		}
		return e.Format(tmpl, sayKo, func(f app.Fix) string {
			if s := ko["fix."+string(f)]; s != "" {
				return s
			}
			return string(f)
		})
	}
	english := regexp.MustCompile(`\b(the|is|not|cannot|no|was|and|with|or|it|a|an)\b`)
	for _, k := range app.Kinds() {
		e := &app.Error{Kind: k, File: "사진 (1).jpg", Key: "original/1_a.jpg", Value: "12", Fix: app.FixNetwork,
			Err: &app.Error{Kind: app.KindNoSuchFile}}
		got := sayKo(e)
		if !strings.ContainsFunc(got, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) {
			t.Errorf("%s: %q has no Hangul", k, got)
		}
		if strings.Contains(e.Template(), "{file}") && !strings.Contains(got, "사진 (1).jpg") {
			t.Errorf("%s: %q does not name the file", k, got)
		}
		// Commands and settings' names stay as they are; words do not.
		rest := regexp.MustCompile(`'[^']*'|[a-z_]+/|s3:[A-Za-z]+|deploy/[a-z./-]+|AWS_[A-Z_]+`).ReplaceAllString(got, "")
		if m := english.FindString(rest); m != "" && k != app.KindKeysInvalid {
			t.Errorf("%s: %q keeps English (%q)", k, got, m)
		}
	}
}

// TestEnglishAsTheCLISays: in English, the window says each of the core's
// errors as the command line prints it.
func TestEnglishAsTheCLISays(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("a list"), 0o644)
	empty := filepath.Join(dir, "empty.png")
	os.WriteFile(empty, nil, 0o644)
	var errs []error
	for _, in := range app.ExpandPaths([]string{notes, empty, filepath.Join(dir, "gone.jpg"), t.TempDir(),
		testkit.Corpus("video-001.png")}) {
		if in.Err != nil {
			errs = append(errs, in.Err)
		}
	}
	if len(errs) != 4 {
		t.Fatalf("refusals: %v", errs)
	}
	for _, err := range errs {
		var e *app.Error
		if !errors.As(err, &e) {
			t.Errorf("%v is not a typed error", err)
		}
		if got := localize(err); got != err.Error() {
			t.Errorf("English changed %q to %q", err, got)
		}
	}
	if got := localize(errs[2]); !strings.Contains(got, "gone.jpg: cannot open it (no such file or folder)") {
		t.Errorf("a missing file: %q", got)
	}
}
