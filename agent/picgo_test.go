package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// memKeyring keeps secrets in memory: the fast tier's stand-in for the OS
// keyring, at the core's edge (cli's TestPicGoSecretRealKeyring uses the
// Secret Service).
type memKeyring struct {
	mu      sync.Mutex
	secrets map[string]string
}

func (m *memKeyring) Load() (app.Keys, error) { return app.Keys{}, &app.Error{Kind: app.KindNoKeys} }
func (m *memKeyring) Save(app.Keys) error     { return nil }
func (m *memKeyring) Delete() error           { return nil }
func (m *memKeyring) Name() string            { return "memory" }
func (m *memKeyring) LoadSecret(name string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.secrets[name]; ok {
		return v, nil
	}
	return "", &app.Error{Kind: app.KindNoSecret, Key: name}
}
func (m *memKeyring) SaveSecret(name, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.secrets == nil {
		m.secrets = map[string]string{}
	}
	m.secrets[name] = v
	return nil
}
func (m *memKeyring) DeleteSecret(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.secrets, name)
	return nil
}

// core opens a core on the agent's folders (as 'thumbdrop config set' or
// the app would), with kr.
func (e *env) core(kr app.Keyring) *app.Core {
	e.t.Helper()
	c, err := app.Open(context.Background(), app.Options{Dirs: e.dirs, Keyring: kr})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// vsPicListForm is the form vs-PicList sends in remote-server mode
// (src/vscode/uploader.ts: formData.append('file', fs.createReadStream(p))
// with the form-data package, which names the part after the file and
// types it by its extension).
func vsPicListForm(t *testing.T, path string) (*bytes.Buffer, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filepath.Base(path)))
	h.Set("Content-Type", "image/png")
	w, _ := mw.CreatePart(h)
	w.Write(testkit.Read(t, path))
	mw.Close()
	return &b, mw.FormDataContentType()
}

// TestPicGoParity: what PicList-aware clients rely on: fullResult, a file
// under any field name, POST /delete with the items kept, real status
// codes.
func TestPicGoParity(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	png := testkit.CopyCorpus(t, "video-001.png", filepath.Join(dir, "diagram.png"))
	jpg := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "cat.jpg"))

	// vs-PicList's form (field "file") and PicGo-Core's ("files"), and
	// a field name nobody uses: every file part is taken.
	form, ct := vsPicListForm(t, png)
	code, a := picgoPost(t, e, form, "Content-Type", ct)
	if code != 200 || !a.Success || len(a.FullResult) != 1 {
		t.Fatalf("vs-PicList form: %d %+v", code, a)
	}
	it := a.FullResult[0]
	urls := a.Result.([]any)
	if it.ImgURL != urls[0] || it.Type != "thumbdrop" || it.FileName != "diagram.png" || !strings.HasPrefix(it.Key, "original/") ||
		!strings.HasSuffix(it.Key, "_diagram.png") || it.Width != 150 || it.Height != 103 || !strings.Contains(it.ThumbURL, "/thumbdrop/thumb/") {
		t.Errorf("fullResult item %+v (result %v)", it, urls)
	}
	var f2 bytes.Buffer
	mw := multipart.NewWriter(&f2)
	fw, _ := mw.CreateFormFile("image-field", "cat.jpg")
	fw.Write(testkit.Read(t, jpg))
	mw.WriteField("note", "a field that is not a file")
	mw.Close()
	code, a = picgoPost(t, e, &f2, "Content-Type", mw.FormDataContentType())
	if code != 200 || !a.Success || len(a.FullResult) != 1 || a.FullResult[0].FileName != "cat.jpg" {
		t.Fatalf("any field name: %d %+v", code, a)
	}
	cat := a.FullResult[0]

	// The thumbnail URL the item gives answers (local mode makes it at
	// once), and so does the link.
	for _, u := range []string{it.ImgURL, it.ThumbURL} {
		if resp, _ := do(t, req(t, "GET", u, nil)); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
		}
	}

	// Obsidian's Image Auto Upload deletes with the item it kept,
	// whole (src/deleter.ts: JSON.stringify({list: configMap})).
	kept, _ := json.Marshal(it)
	del := e.picgo + "/delete"
	code, a = picgoCall(t, del, strings.NewReader(`{"list":[`+string(kept)+`]}`), "Content-Type", "application/json")
	if code != 200 || !a.Success || a.Message != "deleted 1" {
		t.Fatalf("delete: %d %+v", code, a)
	}
	for _, u := range []string{it.ImgURL, it.ThumbURL} {
		if resp, _ := do(t, req(t, "GET", u, nil)); resp.StatusCode != 404 {
			t.Errorf("GET %s after delete: %d", u, resp.StatusCode)
		}
	}
	core := e.core(nil)
	if _, found, _ := core.Find(context.Background(), it.Key); found {
		t.Error("the deleted upload is still in the history")
	}
	// Again: it is gone (404), and success is false so the client keeps
	// nothing it thinks deleted; an item of another uploader is refused;
	// an empty list and a broken body are bad requests.
	for body, want := range map[string]int{
		`{"list":[` + string(kept) + `]}`:                                 404,
		`{"list":[{"imgUrl":"https://i.example/a.png","type":"aws-s3"}]}`: 400,
		`{"list":[{"type":"thumbdrop"}]}`:                                 400,
		`{"list":[]}`:                                                     400,
		`{"list":`:                                                        400,
		`{"list":[{"imgUrl":"http://127.0.0.1:1/elsewhere/x.png"}]}`:      400,
		`{"list":[` + string(kept) + `, {"key":"` + cat.Key + `","type":"thumbdrop"}]}`: 404,
	} {
		code, a := picgoCall(t, del, strings.NewReader(body), "Content-Type", "application/json")
		if code != want || a.Success || a.Message == "" {
			t.Errorf("delete %s: %d %+v, want %d", body, code, a, want)
		}
	}
	// The last one deleted cat.jpg (the other item was gone): "deleted 1
	// of 2", success false.
	if _, found, _ := core.Find(context.Background(), cat.Key); found {
		t.Error("cat.jpg was not deleted with the second item")
	}

	// Status codes: wrong method, unknown path, a form without files.
	if resp, _ := do(t, req(t, "GET", del, nil)); resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /delete: %d", resp.StatusCode)
	}
	if resp, _ := do(t, req(t, "POST", e.picgo+"/nowhere", nil)); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
	var f3 bytes.Buffer
	mw = multipart.NewWriter(&f3)
	mw.WriteField("list", "not a file")
	mw.Close()
	if code, a := picgoPost(t, e, &f3, "Content-Type", mw.FormDataContentType()); code != 400 || a.Success {
		t.Errorf("form without files: %d %+v", code, a)
	}
	// A file listed that fails to upload fails the whole answer (clients
	// match links to files by position): 400 for the client's file.
	if code, a := picgoPost(t, e, strings.NewReader(`{"list":["`+filepath.Join(dir, "gone.png")+`"]}`)); code != 400 || a.Success {
		t.Errorf("missing file: %d %+v", code, a)
	}
}

// TestPicGoSecret: with picgo_secret set, /upload and /delete need it in
// any of its four forms (PicGo 2's Authorization: Bearer, X-PicGo-Secret
// and ?secret=, PicList's ?key=), and answer 401 without it; /heartbeat
// does not; a secret the keyring lost refuses everything.
func TestPicGoSecret(t *testing.T) {
	kr := &memKeyring{}
	e := startWith(t, kr)
	core := e.core(kr)
	const secret = "s3cr3t-Tok_en.42"
	if err := core.SetPicGoSecret(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	if b := testkit.Read(t, e.dirs.ConfigFile()); bytes.Contains(b, []byte(secret)) || !bytes.Contains(b, []byte(`"picgo_secret_set": true`)) {
		t.Fatalf("config.json: %s", b)
	}
	png := testkit.CopyCorpus(t, "video-001.png", filepath.Join(t.TempDir(), "a.png"))
	list := `{"list":["` + png + `"]}`
	upload, del := e.picgo+"/upload", e.picgo+"/delete"
	q := func(u, k, v string) string { return u + "?" + k + "=" + url.QueryEscape(v) }

	type try struct {
		url  string
		hdr  []string
		want int
	}
	refused := []try{
		{upload, nil, 401},
		{upload, []string{"Authorization", "Bearer wrong"}, 401},
		{upload, []string{"Authorization", "Basic " + secret}, 401},
		// PicGo-Core looks only at Authorization when it is there.
		{upload, []string{"Authorization", "Bearer wrong", "X-PicGo-Secret", secret}, 401},
		{upload, []string{"X-PicGo-Secret", secret + "x"}, 401},
		{q(upload, "secret", "wrong"), nil, 401},
		{q(upload, "key", secret[:8]), nil, 401},
		{del, nil, 401},
	}
	for _, tr := range refused {
		code, a := picgoCall(t, tr.url, strings.NewReader(list), append([]string{"Content-Type", "application/json"}, tr.hdr...)...)
		if code != tr.want || a.Success || !strings.Contains(a.Message, "Unauthorized") {
			t.Errorf("%s %v: %d %+v", tr.url, tr.hdr, code, a)
		}
	}
	if recs, _ := core.History(context.Background(), ""); len(recs) != 0 {
		t.Fatalf("refused requests uploaded %d files", len(recs))
	}
	if resp, _ := do(t, req(t, "GET", e.picgo+"/heartbeat", nil)); resp.StatusCode != 200 {
		t.Errorf("heartbeat without the secret: %d", resp.StatusCode)
	}

	// The four forms, each uploading (the same bytes: a duplicate after
	// the first) and deleting.
	var items []fullItem
	for _, tr := range []try{
		{upload, []string{"Authorization", "Bearer " + secret}, 200},
		{upload, []string{"authorization", "bearer " + secret}, 200},
		{upload, []string{"X-PicGo-Secret", secret}, 200},
		{q(upload, "secret", secret), nil, 200},
		{q(upload, "key", secret), nil, 200},
	} {
		code, a := picgoCall(t, tr.url, strings.NewReader(list), append([]string{"Content-Type", "application/json"}, tr.hdr...)...)
		if code != tr.want || !a.Success || len(a.FullResult) != 1 {
			t.Fatalf("%s %v: %d %+v", tr.url, tr.hdr, code, a)
		}
		items = append(items, a.FullResult[0])
	}
	kept, _ := json.Marshal(items[0])
	if code, a := picgoCall(t, q(del, "key", secret), strings.NewReader(`{"list":[`+string(kept)+`]}`)); code != 200 || !a.Success {
		t.Fatalf("delete with ?key=: %d %+v", code, a)
	}

	// The keyring lost it: refused, 503, saying why.
	kr.DeleteSecret(app.PicGoSecretName)
	code, a := picgoCall(t, upload, strings.NewReader(list), "Authorization", "Bearer "+secret)
	if code != http.StatusServiceUnavailable || a.Success || !strings.Contains(a.Message, "holds no picgo_secret") {
		t.Errorf("secret gone from the keyring: %d %+v", code, a)
	}
	// Removed: requests need no secret again.
	if err := core.SetPicGoSecret(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if code, a := picgoCall(t, upload, strings.NewReader(list)); code != 200 || !a.Success {
		t.Errorf("after removing the secret: %d %+v", code, a)
	}
	// A secret too short to mean anything is refused before it is stored.
	if err := core.SetPicGoSecret(context.Background(), "1234"); err == nil || kr.secrets[app.PicGoSecretName] != "" {
		t.Errorf("short secret: %v", err)
	}
}
