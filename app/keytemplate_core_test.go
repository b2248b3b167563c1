package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/app/apptest"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestUploadUnderKeyTemplate: an upload's key follows key_template, with
// folders; a key that exists (another picture whose sha256 begins alike)
// is not replaced: the upload takes the key with -2, and the thumbnail
// mirrors it.
func TestUploadUnderKeyTemplate(t *testing.T) {
	core, bs, _ := newCore(t, func(c *app.Config) { c.KeyTemplate = "{year}/{month}/{sha256:12}{ext}" })
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "Holiday.JPG"))
	sum := sha256File(t, p)
	now := time.Now()
	folder := "original/" + now.Format("2006/01") + "/"
	taken := folder + sum[:12] + ".jpg"
	b := bs.get("local")
	b.Put(taken, []byte("another picture"), "image/jpeg")
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done {
		t.Fatalf("%v %v", j.State, j.Err)
	}
	want := folder + sum[:12] + "-2.jpg"
	if j.Record.Key != want || j.Record.ThumbKey != "thumb/"+strings.TrimPrefix(want, "original/") {
		t.Fatalf("key %s thumb %s, want %s", j.Record.Key, j.Record.ThumbKey, want)
	}
	if got := readObject(t, b, taken); string(got) != "another picture" {
		t.Errorf("the object under the taken key was replaced: %q", got)
	}
	// The key does not carry the file's name: the gallery and links show
	// the file's.
	if j.Record.Name() != "Holiday.JPG" {
		t.Errorf("name %q", j.Record.Name())
	}
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	h := sha256.Sum256(testkit.Read(t, p))
	return hex.EncodeToString(h[:])
}

func readObject(t *testing.T, b *apptest.Bucket, key string) []byte {
	t.Helper()
	r, _, err := b.Get(bg, key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
