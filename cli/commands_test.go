package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	_ "image/jpeg"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// cliEnv is an isolated thumbdrop: its own config and data dirs, a local
// server on a free port, a keyring service of its own.
type cliEnv struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T) *cliEnv {
	c := &cliEnv{t: t, env: map[string]string{
		"THUMBDROP_CONFIG_DIR":      t.TempDir(),
		"THUMBDROP_DATA_DIR":        t.TempDir(),
		"THUMBDROP_KEYRING_SERVICE": "thumbdrop-test-" + strings.ReplaceAll(t.Name(), "/", "-"),
	}}
	for k, v := range map[string]string{"local_addr": testsrv.FreeAddr(t), "picgo_server": "off"} {
		if code, _, stderr := c.run("", "config", "set", k, v); code != 0 {
			t.Fatal(stderr)
		}
	}
	return c
}

// serve runs the agent in this process, on the configured address, as
// 'thumbdrop serve' would: the links can be fetched after each command.
func (c *cliEnv) serve() agent.State {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan agent.State, 1)
	done := make(chan error, 1)
	d := app.Dirs{Config: c.env["THUMBDROP_CONFIG_DIR"], Data: c.env["THUMBDROP_DATA_DIR"]}
	kr := app.OSKeyring(c.env["THUMBDROP_KEYRING_SERVICE"], nil)
	go func() {
		done <- agent.Run(ctx, agent.Options{Dirs: d, Keyring: kr, Ready: func(st agent.State) { ready <- st }})
	}()
	c.t.Cleanup(func() { cancel(); <-done })
	select {
	case st := <-ready:
		return st
	case err := <-done:
		c.t.Fatalf("agent: %v", err)
	case <-time.After(10 * time.Second):
		c.t.Fatal("agent did not start")
	}
	return agent.State{}
}

func (c *cliEnv) run(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if v, ok := c.env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	code := Run(context.Background(), Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: getenv,
		Keyring: app.OSKeyring(getenv("THUMBDROP_KEYRING_SERVICE"), getenv)}, args)
	return code, out.String(), errb.String()
}

func TestUploadJSONLocalEndToEnd(t *testing.T) {
	c := newCLI(t)
	// As 'thumbdrop serve' would: a server that outlives each command, so
	// the links can be fetched afterwards.
	c.serve()
	dir := t.TempDir()
	storm := filepath.Join(dir, "폭풍 (Storm) +1.jpg")
	b := testkit.ReadPhoto(t, "Storm.jpg")
	os.WriteFile(storm, b, 0o644)
	files := []string{storm, testkit.Photo(t, "Elephants_12MP.jpg"), testkit.Photo(t, "Arc-Colors-Transparent-Wallpaper.png")}
	code, stdout, stderr := c.run("", append([]string{"upload", "--json"}, files...)...)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines: %s", stdout)
	}
	for i, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"file", "key", "url", "thumb_key", "thumb_url", "content_type", "bytes", "sha256", "status", "error",
			"elapsed_ms", "width", "height", "variants"} {
			if _, ok := r[k]; !ok {
				t.Errorf("line %d lacks %q", i, k)
			}
		}
		if r["status"] != "ready" || r["file"] != files[i] {
			t.Fatalf("line %d: %v", i, r)
		}
		resp, err := http.Get(r["thumb_url"].(string))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m, _, err := image.Decode(bytes.NewReader(data))
		if err != nil || m.Bounds().Dx() > 200 || m.Bounds().Dy() > 200 || resp.Header.Get("Content-Type") != r["content_type"] {
			t.Fatalf("thumbnail of %s: %v %v %q", files[i], err, m.Bounds(), resp.Header.Get("Content-Type"))
		}
	}
	// --format url: the last lines are the URLs, one per file (Typora).
	code, stdout, _ = c.run("", "upload", "--format", "url", storm)
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(stdout), "http://") || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("--format url: %d %q", code, stdout)
	}
	// history --json: the same fields plus time, newest first.
	code, stdout, _ = c.run("", "history", "--json")
	hl := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(hl) != 3 {
		t.Fatalf("history: %d %q", code, stdout)
	}
	var newest, oldest map[string]any
	json.Unmarshal([]byte(hl[0]), &newest)
	json.Unmarshal([]byte(hl[2]), &oldest)
	tn, err1 := time.Parse(time.RFC3339, newest["time"].(string))
	to, err2 := time.Parse(time.RFC3339, oldest["time"].(string))
	if err1 != nil || err2 != nil || tn.Before(to) {
		t.Errorf("history times %v %v", newest["time"], oldest["time"])
	}
	// delete by URL removes the original and its thumbnail.
	url := newest["url"].(string)
	if code, _, stderr := c.run("", "delete", url); code != 0 {
		t.Fatalf("delete: %s", stderr)
	}
	if resp, err := http.Get(url); err != nil || resp.StatusCode != 404 {
		t.Errorf("after delete: %v %v", resp.StatusCode, err)
	}
	if resp, _ := http.Get(newest["thumb_url"].(string)); resp.StatusCode != 404 {
		t.Errorf("thumbnail after delete: %d", resp.StatusCode)
	}
	_, stdout, _ = c.run("", "history", "--json")
	if n := len(strings.Split(strings.TrimSpace(stdout), "\n")); n != 2 {
		t.Errorf("history after delete: %d lines", n)
	}
	if code, _, stderr := c.run("", "delete", url); code != 1 || !strings.Contains(stderr, "does not exist") {
		t.Errorf("deleting twice: %d %q", code, stderr)
	}
}

func TestUploadFailuresAndUsage(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jpg")
	os.WriteFile(empty, nil, 0o644)
	text := filepath.Join(dir, "readme.png")
	os.WriteFile(text, []byte("not a png"), 0o644)
	good := testkit.Corpus("video-001.png")
	code, stdout, stderr := c.run("", "upload", "--json", "--no-wait", empty, text, good, filepath.Join(dir, "missing.jpg"))
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []string{"failed", "failed", "uploaded", "failed"}
	for i, l := range lines {
		var r struct{ Status, Error string }
		json.Unmarshal([]byte(l), &r)
		if r.Status != want[i] || (r.Status == "failed") != (r.Error != "") {
			t.Errorf("file %d: %+v, want %s", i, r, want[i])
		}
	}
	for _, name := range []string{"empty.jpg is empty", "readme.png is not an image", "missing.jpg: cannot open"} {
		if !strings.Contains(stderr, name) {
			t.Errorf("stderr lacks %q:\n%s", name, stderr)
		}
	}
	for _, args := range [][]string{{"upload"}, {"upload", "--json", "--format", "url", good}, {"config", "set", "concurrency", "zero"},
		{"config", "set", "secret_access_key", "x"}, {"config", "frob"}, {"delete"}, {"login", "AKIA", "secret"}} {
		if code, _, stderr := c.run("", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d %q, want 2", args, code, stderr)
		}
	}
}

func TestConfigCommands(t *testing.T) {
	c := newCLI(t)
	for _, kv := range [][2]string{{"target", "s3"}, {"bucket", "my-photos"}, {"region", "ap-northeast-2"},
		{"link_mode", "presigned"}, {"presign_ttl", "1h"}, {"credentials", "aws"}} {
		if code, _, stderr := c.run("", "config", "set", kv[0], kv[1]); code != 0 {
			t.Fatalf("set %v: %s", kv, stderr)
		}
	}
	code, stdout, _ := c.run("", "config", "show", "--json")
	var cfg map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &cfg) != nil || cfg["bucket"] != "my-photos" || cfg["presign_ttl"] != "1h" {
		t.Fatalf("show: %s", stdout)
	}
	if code, stdout, _ := c.run("", "config", "show"); code != 0 || !strings.Contains(stdout, "region           ap-northeast-2") {
		t.Fatalf("show: %s", stdout)
	}
}

// keyringAvailable: the keyring tests need a Secret Service, which
// scripts/test.sh provides (gnome-keyring in a private D-Bus session).
func keyringAvailable(t *testing.T) { testsrv.RequireKeyring(t) }

// TestLoginLogoutRealKeyring: keys go to the Secret Service and nowhere
// else; logout removes them.
func TestLoginLogoutRealKeyring(t *testing.T) {
	keyringAvailable(t)
	c := newCLI(t)
	const id, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	code, stdout, stderr := c.run(id+"\n"+secret+"\n", "login")
	if code != 0 {
		t.Fatalf("login: %s", stderr)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Fatal("login printed the secret")
	}
	kr := app.OSKeyring(c.env["THUMBDROP_KEYRING_SERVICE"], nil)
	k, err := kr.Load()
	if err != nil || k.AccessKeyID != id || k.SecretAccessKey != secret {
		t.Fatalf("keyring holds %v, %v", k, err)
	}
	// Use them: config, an upload attempt, history; then look for the
	// secret in every file thumbdrop wrote.
	c.run("", "config", "set", "target", "s3")
	c.run("", "config", "set", "bucket", "some-bucket")
	c.run("", "config", "set", "endpoint", "http://"+testsrv.FreeAddr(t))
	c.run("", "history")
	for _, dir := range []string{c.env["THUMBDROP_CONFIG_DIR"], c.env["THUMBDROP_DATA_DIR"]} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(secret)) {
					t.Errorf("the secret is in %s", p)
				}
			}
			return nil
		})
	}
	if code, _, stderr := c.run("", "logout"); code != 0 {
		t.Fatal(stderr)
	}
	if _, err := kr.Load(); !errors.Is(err, &app.Error{Kind: app.KindNoKeys}) {
		t.Fatalf("after logout: %v", err)
	}
	// With no keys, an S3 upload says what to do.
	p := testkit.Corpus("video-001.png")
	if code, _, stderr := c.run("", "upload", p); code != 1 || !strings.Contains(stderr, "thumbdrop login") {
		t.Errorf("upload without keys: %d %q", code, stderr)
	}
}

// TestNoSecretService: with no Secret Service, login fails with a sentence
// that offers the alternative, and stores nothing anywhere.
func TestNoSecretService(t *testing.T) {
	if os.Getenv("THUMBDROP_HELPER_NO_DBUS") == "1" {
		c := &cliEnv{t: t, env: map[string]string{"THUMBDROP_CONFIG_DIR": os.Getenv("CFG"), "THUMBDROP_DATA_DIR": os.Getenv("DATA")}}
		code, _, stderr := c.run("AKIAEXAMPLE\nsecret-value\n", "login")
		os.Stderr.WriteString(stderr)
		os.Exit(code)
	}
	testkit.Heavy(t, "starts a process (the test binary again)")
	cfg, data := t.TempDir(), t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoSecretService$")
	cmd.Env = append(os.Environ(), "THUMBDROP_HELPER_NO_DBUS=1", "CFG="+cfg, "DATA="+data,
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("login without a keyring: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "no OS keyring is running") || !strings.Contains(string(out), "credentials aws") {
		t.Errorf("message: %s", out)
	}
	for _, dir := range []string{cfg, data} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("secret-value")) {
				t.Errorf("secret written to %s", p)
			}
			return nil
		})
	}
}
