package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// attackPage is what a web page on another loopback origin would try
// against the agent: write, delete, list and upload through every door a
// browser has, and read what comes back. It prints what happened.
const attackPage = `<!doctype html><html><body><pre id="out"></pre><script>
const out = document.getElementById("out");
const log = (name, what) => { out.textContent += name + ": " + what + "\n"; };
const link = %q, links = %q, picgo = %q;
async function attempt(name, url, opts) {
  try {
    const r = await fetch(url, opts);
    let body = "";
    try { body = await r.text(); } catch (e) {}
    log(name, "status " + r.status + " type " + r.type + " read " + JSON.stringify(body.slice(0, 40)));
  } catch (e) { log(name, "blocked"); }
}
(async () => {
  await attempt("put", links + "/thumbdrop/original/1_evil.jpg", {method: "PUT", body: "evil"});
  await attempt("put-nocors", links + "/thumbdrop/original/1_evil2.jpg", {method: "PUT", mode: "no-cors", body: "evil"});
  await attempt("post-nocors", links + "/thumbdrop/original/1_evil3.jpg", {method: "POST", mode: "no-cors", body: "evil"});
  await attempt("delete", link, {method: "DELETE"});
  await attempt("delete-nocors", link, {method: "DELETE", mode: "no-cors"});
  await attempt("list", links + "/thumbdrop/?list-type=2", {});
  await attempt("read", link, {});
  await attempt("bucket", links + "/evilbucket", {method: "PUT", mode: "no-cors"});
  await attempt("picgo-json", picgo + "/upload", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({list: ["/etc/hostname"]})});
  await attempt("picgo-nocors", picgo + "/upload", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: JSON.stringify({list: [%q]})});
  const form = new FormData();
  form.append("files", new Blob([await (await fetch("/image.jpg")).arrayBuffer()], {type: "image/jpeg"}), "evil.jpg");
  await attempt("picgo-form", picgo + "/upload", {method: "POST", mode: "no-cors", body: form});
  await attempt("heartbeat", picgo + "/heartbeat", {});
  log("done", "yes");
})();
</script></body></html>`

// TestHostileWebPage: a page from another loopback origin, in headless
// Chromium, tries to write, delete, list and upload through the agent; it
// changes nothing and reads nothing.
func TestHostileWebPage(t *testing.T) {
	testkit.Need(t, "chromium")
	chromium, _ := exec.LookPath("chromium")
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	victim := photos(t, 1, "victim")[0]
	code, out, errs := thumbdrop(t, dirs, "", "upload", "--json", victim)
	if code != 0 {
		t.Fatal(errs)
	}
	var rec struct{ URL, Key string }
	json.Unmarshal([]byte(out), &rec)
	st := agentState(t, dirs)
	links, picgo := "http://"+st.Addr, "http://"+st.PicGo
	imgBytes, _ := os.ReadFile(victim)

	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/image.jpg" {
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(imgBytes)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, attackPage, rec.URL, links, picgo, victim)
	}))
	defer page.Close()

	dump := runChromium(t, chromium, page.URL+"/")
	if !strings.Contains(dump, "done: yes") {
		t.Fatalf("the page did not finish:\n%s", dump)
	}
	t.Logf("what the page saw:\n%s", between(dump, `<pre id="out">`, "</pre>"))
	for _, line := range strings.Split(between(dump, `<pre id="out">`, "</pre>"), "\n") {
		if line == "" || strings.HasPrefix(line, "done") {
			continue
		}
		// Nothing may be read back (no CORS), and nothing accepted.
		if strings.Contains(line, "type basic") || strings.Contains(line, "type cors") {
			t.Errorf("the page read an answer: %s", line)
		}
	}
	// Nothing changed: the victim is there, nothing else was written, and
	// the history holds the one upload.
	if get(t, rec.URL) != 200 {
		t.Error("the victim's link is gone")
	}
	var objects []string
	filepath.WalkDir(filepath.Join(dirs.Data, "objects", "thumbdrop"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			objects = append(objects, filepath.Base(p))
		}
		return nil
	})
	if len(objects) != 2 {
		t.Errorf("objects after the attack: %v", objects)
	}
	if recs := history(t, dirs); len(recs) != 1 {
		t.Errorf("history after the attack: %d records", len(recs))
	}

	// DNS rebinding: a name the attacker points at 127.0.0.1 reaches the
	// agent's port, but the agent refuses its Host.
	_, port, _ := net.SplitHostPort(st.Addr)
	rebound := runChromium(t, chromium, "http://rebind.evil.test:"+port+"/thumbdrop/"+rec.Key,
		"--host-resolver-rules=MAP rebind.evil.test 127.0.0.1")
	if !strings.Contains(rebound, "wrong Host") {
		t.Errorf("a rebound name was served:\n%s", rebound)
	}
}

func runChromium(t *testing.T, chromium, url string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=10000", "--dump-dom"}, extra...)
	cmd := exec.CommandContext(ctx, chromium, append(args, url)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}
