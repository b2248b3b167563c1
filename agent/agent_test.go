package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// The agent's two servers for real, on loopback: the link server and the
// editors' upload API, attacked the way a web page or another local
// program could.

type env struct {
	t     *testing.T
	dirs  app.Dirs
	st    State
	links string // http://127.0.0.1:port
	picgo string
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func start(t *testing.T) *env { t.Helper(); return startWith(t, nil) }

// startWith starts an agent whose core keeps its secrets in kr.
func startWith(t *testing.T, kr app.Keyring) *env {
	t.Helper()
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.LocalAddr, c.PicGoServer = freeAddr(t), freeAddr(t)
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan State, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Dirs: d, Keyring: kr, Ready: func(st State) { ready <- st }}) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case st := <-ready:
		return &env{t: t, dirs: d, st: st, links: "http://" + st.Addr, picgo: "http://" + st.PicGo}
	case err := <-done:
		t.Fatalf("agent: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not start")
	}
	return nil
}

// upload puts a corpus file into the store as an upload would (through a
// core of its own, as the CLI does) and returns its record.
func (e *env) upload(name, as string) app.Record {
	e.t.Helper()
	core, err := app.Open(context.Background(), app.Options{Dirs: e.dirs})
	if err != nil {
		e.t.Fatal(err)
	}
	defer core.Close()
	p := filepath.Join(e.t.TempDir(), as)
	testkit.CopyCorpus(e.t, name, p)
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(context.Background(), id)
	j, _ := core.Job(id)
	if j.State != app.Done {
		e.t.Fatalf("upload: %v %v", j.State, j.Err)
	}
	return j.Record
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func req(t *testing.T, method, url string, body io.Reader, hdr ...string) *http.Request {
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			r.Host = hdr[i+1]
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	return r
}

func TestLinksServeReadOnly(t *testing.T) {
	e := start(t)
	r := e.upload("video-001.jpeg", "서울 (1)+#.jpg")
	u := strings.Replace(r.URL, "http://127.0.0.1:8586", e.links, 1)
	resp, body := do(t, req(t, "GET", u, nil))
	orig := testkit.ReadCorpus(t, "video-001.jpeg")
	if resp.StatusCode != 200 || !bytes.Equal(body, orig) || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET: %d %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	etag, cc := resp.Header.Get("ETag"), resp.Header.Get("Cache-Control")
	if etag == "" || !strings.Contains(cc, "max-age") || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("headers: etag %q cache %q cors %q", etag, cc, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if resp, b := do(t, req(t, "HEAD", u, nil)); resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(orig)) {
		t.Errorf("HEAD: %d %d", resp.StatusCode, resp.ContentLength)
	}
	if resp, b := do(t, req(t, "GET", u, nil, "Range", "bytes=10-19")); resp.StatusCode != 206 || !bytes.Equal(b, orig[10:20]) {
		t.Errorf("Range: %d %d bytes", resp.StatusCode, len(b))
	}
	if resp, _ := do(t, req(t, "GET", u, nil, "If-None-Match", etag)); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	thumb := strings.Replace(r.ThumbURL, "http://127.0.0.1:8586", e.links, 1)
	if resp, _ := do(t, req(t, "GET", thumb, nil)); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("thumbnail: %d", resp.StatusCode)
	}

	// Every write, delete, listing and bucket creation is refused, and
	// nothing changes.
	for _, c := range []struct{ method, path string }{
		{"PUT", "/thumbdrop/original/1_evil.jpg"},
		{"POST", "/thumbdrop/original/1_evil.jpg"},
		{"POST", "/thumbdrop?uploads"},
		{"DELETE", strings.TrimPrefix(u, e.links)},
		{"PUT", "/newbucket"},
		{"GET", "/thumbdrop"},
		{"GET", "/thumbdrop/"},
		{"GET", "/thumbdrop/?list-type=2"},
		{"GET", "/thumbdrop/original/"},
		{"GET", "/"},
		{"GET", "/thumbdrop/../history.db"},
		{"GET", "/thumbdrop/%2e%2e/history.db"},
		{"OPTIONS", strings.TrimPrefix(u, e.links)},
	} {
		resp, b := do(t, req(t, c.method, e.links+c.path, strings.NewReader("evil"), "Origin", "http://evil.example",
			"Access-Control-Request-Method", "PUT"))
		if resp.StatusCode < 400 || resp.Header.Get("Access-Control-Allow-Origin") != "" || bytes.Contains(b, []byte("SQLite")) {
			t.Errorf("%s %s: %d %q", c.method, c.path, resp.StatusCode, b)
		}
	}
	if resp, _ := do(t, req(t, "GET", u, nil)); resp.StatusCode != 200 {
		t.Error("the object is gone after the attacks")
	}
	if _, err := os.Stat(filepath.Join(e.dirs.Data, "objects", "thumbdrop", "original", "1_evil.jpg")); err == nil {
		t.Error("an anonymous PUT wrote an object")
	}

	// DNS rebinding: a name that resolves to 127.0.0.1 is not our Host.
	for _, host := range []string{"evil.example", "evil.example:" + strings.Split(e.st.Addr, ":")[1], "127.0.0.1:1"} {
		if resp, _ := do(t, req(t, "GET", u, nil, "Host", host)); resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("Host %s: %d", host, resp.StatusCode)
		}
	}
	port := strings.Split(e.st.Addr, ":")[1]
	if resp, _ := do(t, req(t, "GET", u, nil, "Host", "localhost:"+port)); resp.StatusCode != 200 {
		t.Errorf("Host localhost: %d", resp.StatusCode)
	}
}

// TestSlowClientStallsNoOne: a client dribbling its request headers (and
// another holding a half-read download) does not delay anyone's GET.
func TestSlowClientStallsNoOne(t *testing.T) {
	e := start(t)
	r := e.upload("video-001.jpeg", "a.jpg")
	u := strings.Replace(r.URL, "http://127.0.0.1:8586", e.links, 1)
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", e.st.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n", strings.TrimPrefix(u, e.links), e.st.Addr)
		go func(c net.Conn) {
			for i := 0; i < 100; i++ {
				if _, err := c.Write([]byte("X-Slow: 1\r\n")); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}(c)
	}
	stuck, _ := net.Dial("tcp", e.st.Addr)
	defer stuck.Close()
	fmt.Fprintf(stuck, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", strings.TrimPrefix(u, e.links), e.st.Addr)
	bufio.NewReader(stuck).ReadByte() // reads one byte, never the rest
	for i := 0; i < 10; i++ {
		start := time.Now()
		resp, _ := do(t, req(t, "GET", u, nil))
		if resp.StatusCode != 200 || time.Since(start) > time.Second {
			t.Fatalf("GET beside slow clients: %d in %v", resp.StatusCode, time.Since(start))
		}
	}
}

func picgoPost(t *testing.T, e *env, body io.Reader, hdr ...string) (int, picgoAnswer) {
	t.Helper()
	return picgoCall(t, e.picgo+"/upload", body, hdr...)
}

// picgoCall POSTs to url and reads the API's answer.
func picgoCall(t *testing.T, url string, body io.Reader, hdr ...string) (int, picgoAnswer) {
	t.Helper()
	resp, b := do(t, req(t, "POST", url, body, hdr...))
	var a picgoAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %q: %v", b, err)
	}
	return resp.StatusCode, a
}

// TestPicGoContract: the requests Typora, Obsidian's Image Auto Upload and
// VS Code's PicGo extensions send, as their documentation shows them.
func TestPicGoContract(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	jpg := filepath.Join(dir, "typora image.jpg")
	testkit.CopyCorpus(t, "video-001.jpeg", jpg)
	png := filepath.Join(dir, "diagram.png")
	testkit.CopyCorpus(t, "video-001.png", png)

	// GET /heartbeat
	resp, body := do(t, req(t, "GET", e.picgo+"/heartbeat", nil))
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"success":true,"result":"alive"}` {
		t.Fatalf("heartbeat: %d %s", resp.StatusCode, body)
	}
	// Typora / VS Code: POST /upload {"list": [...]}
	list, _ := json.Marshal(map[string][]string{"list": {jpg, png}})
	code, a := picgoPost(t, e, bytes.NewReader(list), "Content-Type", "application/json")
	urls, _ := a.Result.([]any)
	if code != 200 || !a.Success || len(urls) != 2 {
		t.Fatalf("list upload: %d %+v", code, a)
	}
	for _, u := range urls {
		s := u.(string)
		if !strings.HasPrefix(s, "http://127.0.0.1:") || !strings.Contains(s, "/thumbdrop/original/") {
			t.Errorf("url %s", s)
		}
		if resp, _ := do(t, req(t, "GET", s, nil)); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", s, resp.StatusCode)
		}
	}
	if !strings.Contains(urls[0].(string), "typora%20image.jpg") {
		t.Errorf("first url %s", urls[0])
	}
	// Obsidian Image Auto Upload in remote-server mode: a multipart form
	// whose files are in the field "list", named <timestamp>.png (as
	// src/uploader/picgo.ts sends them).
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("list", "1764150000000.png")
	pasted := testkit.ReadCorpus(t, "video-005.gray.png")
	fw.Write(pasted)
	mw.Close()
	code, a = picgoPost(t, e, &form, "Content-Type", mw.FormDataContentType())
	urls, _ = a.Result.([]any)
	if code != 200 || !a.Success || len(urls) != 1 || !strings.Contains(urls[0].(string), "_1764150000000.png") {
		t.Fatalf("multipart upload: %d %+v", code, a)
	}
	// The history knows every upload, with the names the editors gave.
	core, _ := app.Open(context.Background(), app.Options{Dirs: e.dirs})
	defer core.Close()
	recs, _ := core.History(context.Background(), "")
	if len(recs) != 3 {
		t.Fatalf("history: %d records", len(recs))
	}
	if recs[0].File != "1764150000000.png" {
		t.Errorf("multipart record file %q", recs[0].File)
	}

	// A web page (any Origin) is refused, whatever it sends.
	code, a = picgoPost(t, e, bytes.NewReader(list), "Content-Type", "text/plain", "Origin", "http://evil.example")
	if code != 403 || a.Success {
		t.Errorf("with an Origin: %d %+v", code, a)
	}
	if resp, _ := do(t, req(t, "GET", e.picgo+"/heartbeat", nil, "Origin", "null")); resp.StatusCode != 403 {
		t.Errorf("heartbeat with Origin: %d", resp.StatusCode)
	}
	// Only images: a request naming any other file uploads nothing.
	secret := filepath.Join(dir, "id_rsa")
	os.WriteFile(secret, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), 0o600)
	for _, l := range [][]string{{secret}, {jpg, secret}, {"/etc/passwd"}, {"relative.png"}, {dir}} {
		body, _ := json.Marshal(map[string][]string{"list": l})
		code, a := picgoPost(t, e, bytes.NewReader(body), "Content-Type", "application/json")
		if code != 400 || a.Success || a.Message == "" {
			t.Errorf("list %v: %d %+v", l, code, a)
		}
	}
	var f2 bytes.Buffer
	mw = multipart.NewWriter(&f2)
	fw, _ = mw.CreateFormFile("files", "notes.png")
	fw.Write([]byte("not an image"))
	mw.Close()
	if code, a := picgoPost(t, e, &f2, "Content-Type", mw.FormDataContentType()); code != 400 || a.Success {
		t.Errorf("multipart non-image: %d %+v", code, a)
	}
	if recs, _ := core.History(context.Background(), ""); len(recs) != 3 {
		t.Errorf("refused requests uploaded something: %d records", len(recs))
	}
	// Wrong Host (DNS rebinding) on the API too.
	resp, _ = do(t, req(t, "POST", e.picgo+"/upload", bytes.NewReader(list), "Host", "evil.example"))
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %d", resp.StatusCode)
	}
}

// TestOneAgentPerUser: a second Run on the same data folder refuses.
func TestOneAgentPerUser(t *testing.T) {
	e := start(t)
	err := Run(context.Background(), Options{Dirs: e.dirs})
	if err != ErrRunning {
		t.Fatalf("second agent: %v", err)
	}
	st, ok := ReadState(e.dirs)
	if !ok || st.Addr != e.st.Addr || st.PID != os.Getpid() {
		t.Errorf("state %+v %v", st, ok)
	}
}

// TestLoopbackOnly: whatever config.json says, the agent listens on
// loopback or not at all.
func TestLoopbackOnly(t *testing.T) {
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	os.MkdirAll(d.Config, 0o700)
	os.WriteFile(d.ConfigFile(), []byte(`{"local_addr": "0.0.0.0:8586"}`), 0o600)
	err := Run(context.Background(), Options{Dirs: d})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("0.0.0.0 in config.json: %v", err)
	}
}
