package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// TestPicGoSecretRealKeyring: 'config set picgo_secret' puts the secret
// in the Secret Service and nowhere else; the agent then wants it from
// editors (here as PicGo 2 sends it, Authorization: Bearer); 'config show'
// says one is set; "" removes it.
func TestPicGoSecretRealKeyring(t *testing.T) {
	keyringAvailable(t)
	c := newCLI(t)
	api := testsrv.FreeAddr(t)
	if code, _, stderr := c.run("", "config", "set", "picgo_server", api); code != 0 {
		t.Fatal(stderr)
	}
	const secret = "Zq3-vJ8_kP1xT9mWc4Rb"
	code, stdout, stderr := c.run(secret+"\n", "config", "set", "picgo_secret", "-")
	if code != 0 || !strings.Contains(stdout, "stored in the OS keyring") || strings.Contains(stdout+stderr, secret) {
		t.Fatalf("config set picgo_secret -: %d %q %q", code, stdout, stderr)
	}
	kr := app.OSKeyring(c.env["THUMBDROP_KEYRING_SERVICE"], nil)
	t.Cleanup(func() { kr.DeleteSecret(app.PicGoSecretName) })
	if got, err := kr.LoadSecret(app.PicGoSecretName); err != nil || got != secret {
		t.Fatalf("keyring holds %q, %v", got, err)
	}
	if _, out, _ := c.run("", "config", "show"); !strings.Contains(out, "picgo_secret     (set, in the OS keyring)") {
		t.Errorf("config show:\n%s", out)
	}
	c.serve()
	png := testkit.CopyCorpus(t, "video-001.png", filepath.Join(t.TempDir(), "a.png"))
	post := func(hdr ...string) (int, map[string]any) {
		r, _ := http.NewRequest("POST", "http://"+api+"/upload", strings.NewReader(`{"list":["`+png+`"]}`))
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a map[string]any
		json.NewDecoder(resp.Body).Decode(&a)
		return resp.StatusCode, a
	}
	if code, a := post(); code != 401 || a["success"] != false {
		t.Errorf("without the secret: %d %v", code, a)
	}
	if code, a := post("Authorization", "Bearer "+secret); code != 200 || a["success"] != true {
		t.Errorf("with it: %d %v", code, a)
	}
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
	// A secret in argv works too (the SPEC's form); a bad one is a usage
	// error; "" removes it, from the keyring as well.
	if code, _, stderr := c.run("", "config", "set", "picgo_secret", "short"); code != ExitUsage || !strings.Contains(stderr, "8 to 256") {
		t.Errorf("short secret: %d %s", code, stderr)
	}
	if code, _, stderr := c.run("", "config", "set", "picgo_secret", ""); code != 0 {
		t.Fatal(stderr)
	}
	if _, err := kr.LoadSecret(app.PicGoSecretName); !errors.Is(err, &app.Error{Kind: app.KindNoSecret}) {
		t.Errorf("after removing: %v", err)
	}
	if code, a := post(); code != 200 || a["success"] != true {
		t.Errorf("no secret any more: %d %v", code, a)
	}
}
