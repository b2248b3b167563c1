package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

func versityBucket(t *testing.T, v *testsrv.Versity, bucket, secret string, mod ...func(*storage.S3Config)) *storage.S3 {
	return openBucket(t, v.Endpoint, bucket, append([]func(*storage.S3Config){func(c *storage.S3Config) {
		c.Keys = storage.StaticKeys(v.Access, secret)
		c.MaxAttempts = 2
	}}, mod...)...)
}

// rcloneStat asks rclone, an independent S3 client, what the server stored
// (the test Needs rclone).
func rcloneStat(t *testing.T, v *testsrv.Versity, bucket, key string) map[string]string {
	t.Helper()
	cmd := exec.Command("rclone", "lsjson", "--stat", "-M", "vg:"+bucket+"/"+key)
	cmd.Env = append(os.Environ(), "RCLONE_CONFIG_VG_TYPE=s3", "RCLONE_CONFIG_VG_PROVIDER=Other",
		"RCLONE_CONFIG_VG_ACCESS_KEY_ID="+v.Access, "RCLONE_CONFIG_VG_SECRET_ACCESS_KEY="+v.Secret,
		"RCLONE_CONFIG_VG_ENDPOINT="+v.Endpoint, "AWS_CA_BUNDLE=", "RCLONE_CONFIG=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rclone lsjson %s: %v", key, err)
	}
	var st struct {
		Size     int64
		Metadata map[string]string
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("rclone said %s: %v", out, err)
	}
	return st.Metadata
}

// TestVersityNamesAndContentType: odd names survive the round trip and the
// stored Content-Type, as rclone reads it, is the image's.
func TestVersityNamesAndContentType(t *testing.T) {
	testkit.Need(t, "rclone")
	v := testsrv.StartVersity(t, false, "photos")
	b := versityBucket(t, v, "photos", v.Secret)
	ctx := context.Background()
	if err := b.Check(ctx); err != nil {
		t.Fatal(err)
	}
	png := testkit.ReadCorpus(t, "video-001.png")
	for _, name := range []string{"plain.png", "with space.png", "a+b.png", "100%.png", "hash#tag.png",
		"what?.png", "paren (1).png", norm.NFC.String("한글 사진.png"), "no-extension"} {
		key := "original/1732500000000_" + name
		if err := b.Upload(ctx, key, bytes.NewReader(png), int64(len(png)), storage.PutOptions{ContentType: "image/png", CacheControl: "max-age=60"}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		meta := rcloneStat(t, v, "photos", key)
		if meta["content-type"] != "image/png" {
			t.Errorf("%s: rclone sees Content-Type %q", name, meta["content-type"])
		}
		u, err := b.Presign(ctx, key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := httpGet(t, u)
		if resp.StatusCode != 200 || !bytes.Equal(body, png) {
			t.Errorf("%s: presigned GET %d, %d bytes", name, resp.StatusCode, len(body))
		}
		// The key is stored as given: the file on disk has the NFC name.
		if _, err := os.Stat(v.Root + "/photos/" + key); err != nil {
			t.Errorf("%s: not stored under its own name: %v", name, err)
		}
	}
}

// TestVersityOriginalsCachedForAYear: an upload given no Cache-Control is
// stored with thumbdrop's (keys are never reused), in one PUT and in
// parts, as rclone reads it back.
func TestVersityOriginalsCachedForAYear(t *testing.T) {
	testkit.Need(t, "rclone")
	v := testsrv.StartVersity(t, false, "photos")
	b := versityBucket(t, v, "photos", v.Secret)
	ctx := context.Background()
	for key, data := range map[string][]byte{
		"original/1732500000000_photo.png": testkit.ReadCorpus(t, "video-001.png"),
		"original/1732500000001_big.bin":   make([]byte, storage.DefaultMultipartThreshold+1),
	} {
		if err := b.Upload(ctx, key, bytes.NewReader(data), int64(len(data)), storage.PutOptions{ContentType: "image/png"}); err != nil {
			t.Fatal(err)
		}
		info, err := b.Head(ctx, key)
		if err != nil || info.CacheControl != resize.DefaultCacheControl {
			t.Errorf("%s: Cache-Control %q (%v)", key, info.CacheControl, err)
		}
		if cc := rcloneStat(t, v, "photos", key)["cache-control"]; cc != resize.DefaultCacheControl {
			t.Errorf("%s: rclone sees Cache-Control %q", key, cc)
		}
	}
}

func TestVersityMultipartByteExact(t *testing.T) {
	v := testsrv.StartVersity(t, false, "photos")
	b := versityBucket(t, v, "photos", v.Secret)
	data := make([]byte, 41<<20+7)
	rand.Read(data)
	var last int64
	if err := b.Upload(context.Background(), "original/1_big.bin", bytes.NewReader(data), int64(len(data)),
		storage.PutOptions{ContentType: "application/octet-stream", Progress: func(n int64) { last = n }}); err != nil {
		t.Fatal(err)
	}
	f, err := os.ReadFile(v.Root + "/photos/original/1_big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(f) != sha256.Sum256(data) {
		t.Fatal("the stored file differs from what was sent")
	}
	if last != int64(len(data)) {
		t.Errorf("progress ended at %d, want %d", last, len(data))
	}
}

func TestVersityPresignExpires(t *testing.T) {
	v := testsrv.StartVersity(t, false, "photos")
	b := versityBucket(t, v, "photos", v.Secret)
	ctx := context.Background()
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	b.Upload(ctx, "original/1_x.jpg", bytes.NewReader(jpg), int64(len(jpg)), storage.PutOptions{ContentType: "image/jpeg"})
	u, err := b.Presign(ctx, "original/1_x.jpg", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := httpGet(t, u); resp.StatusCode != 200 {
		t.Fatalf("fresh presigned link: %d", resp.StatusCode)
	}
	time.Sleep(2100 * time.Millisecond)
	if resp, _ := httpGet(t, u); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("expired presigned link answered %d, want 403", resp.StatusCode)
	}
}

func TestVersityWrongSecretAndMissingBucket(t *testing.T) {
	v := testsrv.StartVersity(t, false, "photos")
	ctx := context.Background()
	bad := versityBucket(t, v, "photos", "not-the-secret")
	err := bad.Upload(ctx, "original/1_a.jpg", bytes.NewReader([]byte("x")), 1, storage.PutOptions{})
	if !errors.Is(err, storage.ErrBadCredentials) || storage.Transient(err) {
		t.Fatalf("wrong secret: %v (transient=%v), want ErrBadCredentials", err, storage.Transient(err))
	}
	if !strings.Contains(err.Error(), "thumbdrop login") {
		t.Errorf("%q does not say what to do", err)
	}
	if err := bad.Check(ctx); !errors.Is(err, storage.ErrBadCredentials) {
		t.Errorf("check with a wrong secret: %v", err)
	}
	missing := versityBucket(t, v, "no-such-bucket", v.Secret)
	if err := missing.Check(ctx); !errors.Is(err, storage.ErrNoSuchBucket) || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Fatalf("missing bucket: %v", err)
	}
	err = missing.Upload(ctx, "original/1_a.jpg", bytes.NewReader([]byte("x")), 1, storage.PutOptions{})
	if !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Fatalf("upload to a missing bucket: %v", err)
	}
	// A server that is not there.
	v.Stop()
	err = versityBucket(t, v, "photos", v.Secret).Check(ctx)
	if !errors.Is(err, storage.ErrUnreachable) || !storage.Transient(err) {
		t.Fatalf("stopped server: %v", err)
	}
}
