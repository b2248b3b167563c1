package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestImportedPreviewFromItsLink: an imported picture's preview comes
// from its link over HTTP — a real photo made small, then from the cache
// without asking again — and within bounds: a 404, a redirect to another
// scheme, a picture larger than a preview downloads, a server that does
// not answer in time, each an error naming the picture.
func TestImportedPreviewFromItsLink(t *testing.T) {
	testkit.Heavy(t, "starts an HTTP server")
	photo := testkit.ReadPhoto(t, "Elephants_12MP.jpg")
	var hits atomic.Int64
	hang := make(chan struct{})
	defer close(hang)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/elephants.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(photo)
		case "/moved.jpg":
			http.Redirect(w, r, "/elephants.jpg", http.StatusFound)
		case "/elsewhere.jpg":
			http.Redirect(w, r, "ftp://files.example.com/a.jpg", http.StatusFound)
		case "/huge.jpg":
			w.Header().Set("Content-Length", fmt.Sprint(60<<20))
			w.Write(photo)
		case "/endless.jpg": // no length said: read until the bound
			w.Write(photo[:2])
			chunk := make([]byte, 1<<20)
			for range 60 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "/hang.jpg":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	core, _, _ := newCore(t, nil)
	rec := func(name string) app.Record {
		return app.Record{Target: app.ImportTarget(app.ImportPicGo), Key: name, File: name, URL: srv.URL + "/" + name, Source: "picgo"}
	}
	img, err := core.Preview(bg, rec("elephants.jpg"), false)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); max(b.Dx(), b.Dy()) != 200 {
		t.Errorf("preview %v, want 200 px", b)
	}
	big, err := core.Preview(bg, rec("elephants.jpg"), true)
	if err != nil || max(big.Bounds().Dx(), big.Bounds().Dy()) != 400 {
		t.Fatalf("large preview: %v %v", big, err)
	}
	n := hits.Load()
	if _, err := core.Preview(bg, rec("elephants.jpg"), false); err != nil || hits.Load() != n {
		t.Errorf("asked again (%d requests, %d before): %v", hits.Load(), n, err)
	}
	if _, ok := core.CachedPreview(rec("elephants.jpg"), false); !ok {
		t.Error("not in memory")
	}
	if img, err := core.Preview(bg, rec("moved.jpg"), false); err != nil || img.Bounds().Dx() != 200 {
		t.Errorf("an http redirect: %v", err)
	}
	for _, c := range []struct {
		name string
		kind app.Kind
		say  string
	}{
		{"gone.jpg", app.KindPreviewHTTP, "answers HTTP 404"},
		{"elsewhere.jpg", app.KindPreview, "redirected to ftp://files.example.com/a.jpg"},
		{"huge.jpg", app.KindPreviewLarge, "60.0 MB"},
		{"endless.jpg", app.KindPreviewLarge, "> 50.0 MB"},
	} {
		_, err := core.Preview(bg, rec(c.name), false)
		if !errors.Is(err, &app.Error{Kind: c.kind}) || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.say) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := core.Preview(ctx, rec("hang.jpg"), false); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("a server that does not answer: %v after %v", err, time.Since(start))
	}
}

// TestImportWhatPicGoWrote: PicGo's own store writes a gallery; it is
// imported; PicGo's store then rewrites an item's link (as PicGo's
// gallery does when its URL is edited), removes one and adds one; the
// import again updates the one, adds the other, keeps the removed one's
// record (its link may be in posts still) and doubles nothing.
func TestImportWhatPicGoWrote(t *testing.T) {
	store := picgoStore(t)
	dir := t.TempDir()
	plan := func(steps string) {
		p := filepath.Join(dir, "plan.json")
		if err := os.WriteFile(p, []byte(steps), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("node", filepath.Join(store, "write.js"), p)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("node write.js: %v\n%s", err, out)
		}
	}
	plan(`[{"db": "picgo.db", "insert": [
		{"fileName": "a.png", "width": 10, "height": 10, "imgUrl": "https://host/a.png", "type": "smms"},
		{"fileName": "b.jpg", "width": 20, "height": 10, "imgUrl": "https://host/b.jpg", "type": "smms"},
		{"fileName": "c.gif", "width": 30, "height": 10, "imgUrl": "https://host/c.gif", "type": "smms"}]}]`)
	core, _, _ := newCore(t, nil)
	db := filepath.Join(dir, "picgo.db")
	if rep := importFile(t, core, app.ImportPicGo, db); rep.New != 3 {
		t.Fatalf("first import: %+v", rep)
	}
	recs := imported(t, core)
	a, b := recs["a.png"], recs["b.jpg"]
	if a.Time.IsZero() || time.Since(a.Time) > time.Hour {
		t.Errorf("PicGo's createdAt: %v", a.Time)
	}
	plan(fmt.Sprintf(`[{"db": "picgo.db", "insert": [{"fileName": "d.webp", "imgUrl": "https://host/d.webp", "type": "smms"}],
		"update": [{"id": %q, "set": {"imgUrl": "https://cdn.host/a.png"}}], "remove": [%q]}]`, a.Key, b.Key))
	rep := importFile(t, core, app.ImportPicGo, db)
	if rep.Pictures != 3 || rep.New != 1 || rep.Updated != 1 || rep.Unchanged != 1 {
		t.Errorf("second import: %+v", rep)
	}
	recs = imported(t, core)
	if len(recs) != 4 || recs["a.png"].URL != "https://cdn.host/a.png" || recs["a.png"].Key != a.Key || recs["b.jpg"].URL != b.URL {
		t.Errorf("records: %+v", recs)
	}
	if rep := importFile(t, core, app.ImportPicGo, db); rep.New+rep.Updated != 0 || rep.Unchanged != 3 {
		t.Errorf("third import: %+v", rep)
	}
}

// picgoStore installs @picgo/store (app/internal/importer/testdata/
// picgo-store, 2.2.2 by its lock file) once per machine in the user's
// cache folder, and returns the folder holding write.js.
func picgoStore(t *testing.T) string {
	t.Helper()
	testkit.Need(t, "node", "npm")
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "thumbdrop", "npm", "picgo-store-2.2.2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package.json", "package-lock.json", "write.js"} {
		testkit.Copy(t, importFixture("picgo-store", f), filepath.Join(dir, f))
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@picgo", "store", "package.json")); errors.Is(err, os.ErrNotExist) {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci @picgo/store: %v\n%s", err, out)
		}
	}
	return dir
}
