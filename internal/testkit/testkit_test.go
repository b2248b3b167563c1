package testkit

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnePlace: the tiers, the corpora and the photos are found through
// this package only; a test that reads the environment or asks -short
// itself would soon disagree with the others (it did, eight times).
func TestOnePlace(t *testing.T) {
	forbidden := map[string]string{
		"testing.Short()":            "testkit.Heavy or testkit.Need",
		"THUMBDROP_REQUIRE_SERVERS":  "testkit.Need, testkit.Missing or testkit.FullTier",
		"THUMBDROP_REQUIRE_PHOTOS":   "testkit.Photo, ReadPhoto or PhotoDir",
		`"THUMBDROP_PHOTOS"`:         "testkit.Photo, ReadPhoto or PhotoDir",
		`"src", "image", "testdata"`: "testkit.Corpus, ReadCorpus or CopyCorpus",
		`"list", "-m"`:               "testkit.XImage (no go command in the fast tier)",
	}
	root := filepath.Join("..", "..")
	self, _ := filepath.Abs(".")
	n := 0
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if dir, _ := filepath.Abs(filepath.Dir(p)); d.IsDir() || !strings.HasSuffix(p, "_test.go") || dir == self {
			return nil
		}
		n++
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for line := 1; s.Scan(); line++ {
			for bad, use := range forbidden {
				if strings.Contains(s.Text(), bad) {
					t.Errorf("%s:%d: %s; use %s", p, line, bad, use)
				}
			}
		}
		return nil
	})
	if n < 40 {
		t.Fatalf("only %d test files found under %s", n, root)
	}
}
