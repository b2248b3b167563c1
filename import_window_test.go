package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestImportedGalleryWindow: a PicGo gallery whose pictures are real
// photos on a web server (loopback) is imported with the real binary
// ('thumbdrop import picgo'); the real window under Xvfb then shows them,
// each preview fetched from its link, and the detail pane of one says it
// was imported and offers Forget; Ctrl+I opens the Import dialog.
// Screenshots: .artifacts/shots/import-*.png.
func TestImportedGalleryWindow(t *testing.T) {
	testkit.Need(t, "Xvfb", "xdotool", "import")
	names := []string{"Elephants_3840x2160.jpg", "Garden.jpg", "Dune.jpg", "Kleiber_by_Lukas_Baubkus.jpg", "Arc-Colors-Transparent-Wallpaper.png"}
	files := map[string][]byte{}
	for _, n := range names {
		files["/pics/"+n] = testkit.ReadPhoto(t, n)
	}
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		w.Write(b)
	}))
	defer srv.Close()

	// A picgo.db as PicGo's store writes it (gzip JSON, see
	// app/internal/importer/testdata/README.md).
	var gallery []map[string]any
	for i, n := range names {
		gallery = append(gallery, map[string]any{"fileName": "PicGo " + n, "imgUrl": srv.URL + "/pics/" + n, "type": "smms",
			"id": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "createdAt": time.Now().Add(-time.Duration(i) * time.Hour).UnixMilli()})
	}
	var doc bytes.Buffer
	zw := gzip.NewWriter(&doc)
	json.NewEncoder(zw).Encode(map[string]any{"gallery": gallery, "__gallery_KEY__": map[string]int{}})
	zw.Close()
	db := filepath.Join(t.TempDir(), "picgo.db")
	os.WriteFile(db, doc.Bytes(), 0o600)

	dirs := freshDirs(t)
	code, stdout, stderr := thumbdrop(t, dirs, "", "import", "picgo", db)
	if code != 0 || !strings.Contains(stdout, "5 pictures, 5 new") {
		t.Fatalf("import: exit %d %q %q", code, stdout, stderr)
	}

	x := startX(t, 1024, 720)
	a := startShotApp(t, x, dirs, "en_US.UTF-8")
	// Every preview asked of its link (the gallery's), within a minute.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(hits)
		mu.Unlock()
		if n == len(names) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("previews fetched: %v", hits)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // decoded, scaled and drawn
	a.shot(t, "import-1-gallery")
	a.click(t, 80, 200) // the first card
	a.shot(t, "import-2-detail")
	a.key(t, "ctrl+i")
	a.shot(t, "import-3-dialog")
	if recs := history(t, dirs); len(recs) != 5 {
		t.Errorf("history: %d records", len(recs))
	} else if _, ok := app.Imported(recs[0]); !ok {
		t.Errorf("not imported: %+v", recs[0])
	}
}
