package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func importerFixture(parts ...string) string {
	return filepath.Join(append([]string{"..", "app", "internal", "importer", "testdata"}, parts...)...)
}

// TestImportCommand: thumbdrop import brings a PicGo gallery into the
// history (history --json lists it with its source), says what it did,
// and again does nothing; PicList's keys appear in no output.
func TestImportCommand(t *testing.T) {
	c := newCLI(t)
	db := importerFixture("generated", "picgo.db")
	code, stdout, stderr := c.run("", "import", "picgo", db)
	if code != 0 || !strings.HasPrefix(stdout, "imported PicGo's gallery "+db+" (gzip-compressed JSON gallery (picgo.db)): 3 pictures, 3 new, 0 updated, 0 unchanged; not imported: 1 without a link, 1 not a picture, in ") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "only forgets it") || strings.Contains(stderr, "importing:") {
		t.Errorf("stderr: %q", stderr)
	}
	code, stdout, stderr = c.run("", "import", "--json", "PicGo", db)
	var rep map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || rep["new"] != 0.0 || rep["unchanged"] != 3.0 || rep["app"] != "picgo" ||
		rep["no_link"] != 1.0 || rep["not_image"] != 1.0 || stderr != "" {
		t.Fatalf("again, --json: exit %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = c.run("", "import", "piclist", importerFixture("generated", "piclist.db"))
	if code != 0 || strings.Contains(stdout+stderr, "TDSECRET") {
		t.Fatalf("piclist: exit %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = c.run("", "history", "--json")
	if code != 0 || strings.Contains(stdout, "TDSECRET") || strings.Contains(stdout, "AKIATHUMBDROPTEST001") {
		t.Fatalf("history: exit %d %s", code, stdout)
	}
	sources := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r struct{ File, URL, Source string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		sources[r.File] = r.Source + " " + r.URL
	}
	if len(sources) != 5 || sources["cat.png"] != "picgo https://i.loli.net/2024/05/01/cat.png" ||
		sources["diagram.jpg"] != "piclist https://raw.githubusercontent.com/me/pics/main/img/diagram.jpg" {
		t.Errorf("history: %v", sources)
	}
	// delete by an imported link forgets the record (the picture stays).
	code, stdout, stderr = c.run("", "delete", "https://i.loli.net/2024/05/01/cat.png")
	if code != 0 || !strings.Contains(stdout, "forgot https://i.loli.net/2024/05/01/cat.png (imported from picgo") {
		t.Errorf("delete of an imported link: exit %d %q %q", code, stdout, stderr)
	}
	if _, out, _ := c.run("", "history", "cat.png"); strings.Contains(out, "cat.png") {
		t.Errorf("after delete, history still lists it: %q", out)
	}
}

// TestImportErrors: usage errors exit 2 before anything is read; a file
// that is not such a gallery exits 1 with one sentence naming it and what
// was expected.
func TestImportErrors(t *testing.T) {
	c := newCLI(t)
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte("notes\n"), 0o600)
	for _, args := range [][]string{{"import"}, {"import", "imgur", notes}, {"import", "sharex"}, {"import", "picgo", notes, notes}, {"import", "--all", "picgo", notes}} {
		code, stdout, stderr := c.run("", args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d %q %q", args, code, stdout, stderr)
		}
	}
	if _, _, stderr := c.run("", "import", "sharex"); !strings.Contains(stderr, `History.db (SQLite) or the older History.json, in ShareX's personal folder (Documents\ShareX)`) {
		t.Errorf("which file: %q", stderr)
	}
	code, stdout, stderr := c.run("", "import", "picgo", notes)
	want := "thumbdrop: " + notes + " is not a PicGo gallery (it is neither gzip-compressed nor JSON): expected picgo.db"
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, ".\n") {
		t.Errorf("exit %d %q %q", code, stdout, stderr)
	}
	if code, stdout, _ := c.run("", "history", "--json"); code != 0 || stdout != "" {
		t.Errorf("history after failures: %q", stdout)
	}
}
