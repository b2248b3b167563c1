package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestCleanName(t *testing.T) {
	nfd := norm.NFD.String("제주 바다.jpg")
	if nfd == norm.NFC.String("제주 바다.jpg") {
		t.Fatal("test needs a decomposed name")
	}
	for in, want := range map[string]string{
		"/home/u/Pictures/" + nfd:     norm.NFC.String("제주 바다.jpg"),
		"C:\\Users\\u\\photo (1).jpg": "photo (1).jpg",
		"/tmp/a+b 100% #1?.png":       "a+b 100% #1?.png",
		"/tmp/bad\x00name\x1f.jpg":    "badname.jpg",
		"/tmp/ spaced .jpg ":          "spaced .jpg",
		"/":                           "image",
		"..":                          "image",
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("가", 300) + ".jpg"
	if got := CleanName(long); len(got) > 200 || !norm.NFC.IsNormalString(got) {
		t.Errorf("long name kept %d bytes", len(got))
	}
}

func TestKeys(t *testing.T) {
	c := DefaultConfig()
	ts := time.UnixMilli(1732500000123)
	k := OriginalKey(c.OriginalPrefix, ts, "a b.jpg")
	if k != "original/1732500000123_a b.jpg" {
		t.Fatal(k)
	}
	if tk, ok := ThumbKey(c, k); !ok || tk != "thumb/1732500000123_a b.jpg" {
		t.Fatal(tk)
	}
	if _, ok := ThumbKey(c, "thumb/1_a.jpg"); ok {
		t.Fatal("a thumbnail key has a thumbnail")
	}
	if n := DisplayName(k); n != "a b.jpg" {
		t.Fatal(n)
	}
	if n := DisplayName("original/notimestamp_x.jpg"); n != "notimestamp_x.jpg" {
		t.Fatal(n)
	}
}

func TestLinks(t *testing.T) {
	d := LinkData{URL: "https://b.s3.amazonaws.com/original/1_a%20%5Bb%5D.jpg", ThumbURL: "https://b.s3.amazonaws.com/thumb/1_a%20%5Bb%5D.jpg",
		Name: `a [b] "q" <x>.jpg`, Key: "original/1_a [b].jpg", Width: 4000, Height: 3000}
	for f, want := range map[string]string{
		FormatURL:            d.URL,
		FormatThumb:          d.ThumbURL,
		FormatMarkdown:       `[![a \[b\] "q" <x>.jpg](` + d.ThumbURL + `)](` + d.URL + `)`,
		FormatHTML:           `<a href="` + d.URL + `"><img src="` + d.ThumbURL + `" alt="a [b] &#34;q&#34; &lt;x&gt;.jpg"></a>`,
		FormatBBCode:         `[url=` + d.URL + `][img]` + d.ThumbURL + `[/img][/url]`,
		FormatCustom:         "original/1_a [b].jpg 4000x3000",
		"{name}|{thumb_url}": `a [b] "q" <x>.jpg|` + d.ThumbURL,
	} {
		if got := Link(f, d, "{key} {width}x{height}"); got != want {
			t.Errorf("%s:\n got %s\nwant %s", f, got, want)
		}
	}
	d.ThumbURL = ""
	if got := Link(FormatThumb, d, ""); got != d.URL {
		t.Errorf("no thumbnail: %s", got)
	}
}

func TestConfigSetAndValidate(t *testing.T) {
	c := DefaultConfig()
	good := map[string]string{"target": "s3", "bucket": "my-photos", "region": "ap-northeast-2", "endpoint": "https://s3.example.com",
		"path_style": "true", "public_base_url": "https://cdn.example.com", "link_mode": "presigned", "presign_ttl": "24h",
		"original_prefix": "up/", "thumb_prefix": "small/", "thumb_timeout": "90s", "credentials": "aws",
		"local_addr": "127.0.0.1:9000", "concurrency": "5", "copy_format": "html", "custom_template": "<img src={thumb_url}>", "thumb_max_size": "320"}
	for k, v := range good {
		if err := c.Set(k, v); err != nil {
			t.Errorf("set %s %s: %v", k, v, err)
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{"target": "ftp", "bucket": "My Bucket", "endpoint": "s3.example.com", "path_style": "maybe",
		"link_mode": "private", "presign_ttl": "30d", "original_prefix": "/abs", "thumb_timeout": "0s", "credentials": "file",
		"local_addr": "0.0.0.0:8586", "concurrency": "0", "copy_format": "rtf", "custom_template": "no vars", "nope": "x"}
	for k, v := range bad {
		c2 := DefaultConfig()
		err := c2.Set(k, v)
		if err == nil {
			t.Errorf("set %s %q accepted", k, v)
		} else if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not name the setting", err)
		}
	}
	// A prefix is folders of keys: none empty, none . or .. (local mode
	// writes them as folders), no backslash.
	for _, v := range []string{"../", "a/../", "./", "a//", "a\\b/", "x", ""} {
		c2 := DefaultConfig()
		if err := c2.Set("thumb_prefix", v); err == nil {
			t.Errorf("thumb_prefix %q accepted", v)
		}
	}
	for k, v := range map[string]string{
		"endpoint":        "https://AKIA:secret@s3.example.com",
		"public_base_url": "https://cdn.example.com/?X-Amz-Signature=abc",
		"thumb_prefix":    "original/small/",
		"original_prefix": "thumb/big/",
		"picgo_server":    "0.0.0.0:36677",
		"local_addr":      "127.evil.example:80",
	} {
		c2 := DefaultConfig()
		err := c2.Set(k, v)
		if err == nil {
			t.Errorf("set %s %q accepted", k, v)
			continue
		}
		if strings.Contains(err.Error(), "AKIA:secret") || strings.Contains(err.Error(), "abc") {
			t.Errorf("the refusal echoes the secret: %v", err)
		}
		if c2 != DefaultConfig() {
			t.Errorf("a refused %s changed the config", k)
		}
	}
	if c2 := DefaultConfig(); c2.Set("picgo_server", "off") != nil || c2.Set("picgo_server", "localhost:36677") != nil {
		t.Error("picgo_server off / localhost refused")
	}
	c3 := DefaultConfig()
	c3.ThumbPrefix = "original/thumbs/"
	if err := c3.Validate(); err == nil {
		t.Error("overlapping prefixes accepted")
	}
	// The agent's two servers on one port: the second could never listen.
	c5 := DefaultConfig()
	if err := c5.Set("picgo_server", "127.0.0.1:8586"); err == nil || !strings.Contains(err.Error(), "same port") {
		t.Errorf("picgo_server on local_addr's port: %v", err)
	}
	if err := c5.Set("local_addr", "localhost:36677"); err == nil || c5 != DefaultConfig() {
		t.Errorf("local_addr on picgo_server's port: %v", err)
	}
	c4 := DefaultConfig()
	c4.Target = TargetS3
	if err := c4.Validate(); err == nil || !strings.Contains(err.Error(), "bucket") {
		t.Errorf("s3 without bucket: %v", err)
	}
}

func TestConfigRoundTripAndDirs(t *testing.T) {
	env := map[string]string{"THUMBDROP_CONFIG_DIR": t.TempDir(), "THUMBDROP_DATA_DIR": t.TempDir()}
	d, err := ResolveDirs(func(k string) string { return env[k] })
	if err != nil || d.Config != env["THUMBDROP_CONFIG_DIR"] || d.Data != env["THUMBDROP_DATA_DIR"] {
		t.Fatalf("%+v %v", d, err)
	}
	c, err := LoadConfig(d)
	if err != nil || c != DefaultConfig() {
		t.Fatalf("missing file: %+v %v", c, err)
	}
	c.Set("bucket", "photos")
	c.Set("thumb_timeout", "2m")
	if err := SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	c2, err := LoadConfig(d)
	if err != nil || c2 != c {
		t.Fatalf("round trip: %+v %v", c2, err)
	}
	b, _ := os.ReadFile(d.ConfigFile())
	if !strings.Contains(string(b), `"thumb_timeout": "2m"`) {
		t.Errorf("config file: %s", b)
	}
	if st, _ := os.Stat(d.ConfigFile()); st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v", st.Mode())
	}
	os.WriteFile(d.ConfigFile(), []byte("{broken"), 0o600)
	if _, err := LoadConfig(d); err == nil || !strings.Contains(err.Error(), d.ConfigFile()) {
		t.Errorf("damaged config: %v", err)
	}
	xdg := map[string]string{"XDG_DATA_HOME": "/x/data"}
	if d, _ := ResolveDirs(func(k string) string { return xdg[k] }); d.Data != filepath.Join("/x/data", "thumbdrop") {
		t.Errorf("XDG_DATA_HOME ignored: %s", d.Data)
	}
}
