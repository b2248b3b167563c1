package resize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"golang.org/x/text/unicode/norm"
)

const bucket = "photos"

// fakeS3 starts an in-process S3 server on loopback and returns a client,
// and the Cache-Control header of the last PUT of each key (gofakes3 does not
// store that header).
func fakeS3(t *testing.T) (*s3.Client, *sync.Map) {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(be).Server()
	var cacheControl sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			cacheControl.Store(strings.TrimPrefix(r.URL.Path, "/"+bucket+"/"), r.Header.Get("Cache-Control"))
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return newClient(srv.URL), &cacheControl
}

func newClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

func put(t *testing.T, c *s3.Client, key string, data []byte) {
	t.Helper()
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func get(t *testing.T, c *s3.Client, key string) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out, b
}

func exists(c *s3.Client, key string) bool {
	_, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err == nil
}

// s3EventKey encodes a key the way S3 writes it into event notifications.
func s3EventKey(k string) string {
	return strings.ReplaceAll(url.QueryEscape(k), "%2F", "/")
}

// eventJSON is a real S3 ObjectCreated:Put notification, as Lambda receives it.
func eventJSON(bucketName, rawKey string) []byte {
	return []byte(fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
"eventTime":"2026-11-25T01:02:03.456Z","eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
"requestParameters":{"sourceIPAddress":"203.0.113.7"},"responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
"s3":{"s3SchemaVersion":"1.0","configurationId":"thumbdrop-resize","bucket":{"name":%q,"ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::%s"},
"object":{"key":%q,"size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]}`, bucketName, bucketName, rawKey))
}

func handler(c *s3.Client) *Handler {
	return &Handler{Store: S3Store{Client: c}, Config: DefaultConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestEventKeysRoundTrip(t *testing.T) {
	c, sent := fakeS3(t)
	h := handler(c)
	jpg, err := os.ReadFile(testkit.Corpus("video-001.jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{
		"1732500000000_plain.jpg",
		"1732500000001_my photo.jpg",
		"1732500000002_a+b.jpg",
		"1732500000003_100%.jpg",
		"1732500000004_photo (1).jpg",
		"1732500000005_" + norm.NFC.String("제주도 바다 사진.jpg"),
		"1732500000006_weird #?&=;,'\".jpg",
		"1732500000007_sub/dir/deep.jpg",
	}
	for _, n := range names {
		key := "original/" + n
		put(t, c, key, jpg)
		var ev events.S3Event
		if err := json.Unmarshal(eventJSON(bucket, s3EventKey(key)), &ev); err != nil {
			t.Fatal(err)
		}
		if err := h.HandleS3Event(context.Background(), ev); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		out, data := get(t, c, "thumb/"+n)
		if ct := aws.ToString(out.ContentType); ct != "image/jpeg" {
			t.Errorf("%s: Content-Type %q", n, ct)
		}
		if cc, _ := sent.Load("thumb/" + n); cc != DefaultCacheControl {
			t.Errorf("%s: Cache-Control %q", n, cc)
		}
		if out.Metadata[MetaSourceWidth] != "150" || out.Metadata[MetaSourceHeight] != "103" {
			t.Errorf("%s: metadata %v", n, out.Metadata)
		}
		m, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: thumbnail does not decode: %v", n, err)
		}
		if b := m.Bounds(); b.Dx() > 200 || b.Dy() > 200 {
			t.Errorf("%s: %v", n, b)
		}
	}
}

func TestDecodeEventKey(t *testing.T) {
	for raw, want := range map[string]string{
		"original/my+photo.jpg":           "original/my photo.jpg",
		"original/a%2Bb.jpg":              "original/a+b.jpg",
		"original/100%25.jpg":             "original/100%.jpg",
		"original/%281%29.jpg":            "original/(1).jpg",
		"original/%EC%82%AC%EC%A7%84.jpg": "original/사진.jpg",
	} {
		got, err := decodeEventKey(raw)
		if err != nil || got != want {
			t.Errorf("decodeEventKey(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	if _, err := decodeEventKey("original/bad%zz"); err == nil {
		t.Error("a malformed escape decoded")
	}
}

// TestRecursionGuard: events for keys outside original/ write nothing.
func TestRecursionGuard(t *testing.T) {
	c, _ := fakeS3(t)
	h := handler(c)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	for _, key := range []string{"thumb/1_a.jpg", "other/1_a.jpg", "original/", "originals/1_a.jpg", "1_a.jpg"} {
		put(t, c, key, jpg)
		out, err := h.Resize(context.Background(), bucket, key)
		if err != nil || !out.Skipped {
			t.Errorf("%s: skipped=%v err=%v", key, out.Skipped, err)
		}
	}
	list, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Contents); n != 5 {
		t.Errorf("bucket holds %d objects, want the 5 put (nothing written)", n)
	}
}

func TestIdempotent(t *testing.T) {
	c, _ := fakeS3(t)
	h := handler(c)
	png := testkit.ReadCorpus(t, "video-001.png")
	put(t, c, "original/1_x.png", png)
	for i := 0; i < 2; i++ {
		if _, err := h.Resize(context.Background(), bucket, "original/1_x.png"); err != nil {
			t.Fatal(err)
		}
	}
	out1, a := get(t, c, "thumb/1_x.png")
	if _, err := h.Resize(context.Background(), bucket, "original/1_x.png"); err != nil {
		t.Fatal(err)
	}
	_, b := get(t, c, "thumb/1_x.png")
	if !bytes.Equal(a, b) || aws.ToString(out1.ContentType) != "image/png" {
		t.Fatalf("reprocessing changed the thumbnail (%d vs %d bytes) or type %q", len(a), len(b), aws.ToString(out1.ContentType))
	}
}

// TestPermanentFailures: bad files are logged, not retried, and write nothing.
func TestPermanentFailures(t *testing.T) {
	c, _ := fakeS3(t)
	var logs bytes.Buffer
	h := handler(c)
	h.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.Config.Thumbnail.MaxBytes = 1 << 20
	big := make([]byte, 2<<20)
	copy(big, []byte{0xFF, 0xD8, 0xFF})
	cases := map[string][]byte{
		"original/1_notes.jpg":     []byte("just some text"),
		"original/2_empty.png":     {},
		"original/3_truncated.jpg": testkit.ReadCorpus(t, "video-001.jpeg")[:200],
		"original/4_huge.jpg":      big,
	}
	kinds := map[string]string{"original/1_notes.jpg": "not_image", "original/2_empty.png": "empty",
		"original/3_truncated.jpg": "corrupt", "original/4_huge.jpg": "too_large"}
	for key, data := range cases {
		put(t, c, key, data)
		out, err := h.Resize(context.Background(), bucket, key)
		if err != nil {
			t.Errorf("%s: returned %v; a permanent failure must not be retried", key, err)
		}
		if out.Failed == nil {
			t.Errorf("%s: no failure reported", key)
		}
		if exists(c, out.ThumbKey) {
			t.Errorf("%s: a thumbnail was written", key)
		}
		if !strings.Contains(logs.String(), key) {
			t.Errorf("%s: not named in the log", key)
		}
		// The refusal note says why, for clients waiting on the thumbnail.
		note, body := get(t, c, out.ThumbKey+RefusedSuffix)
		var r Refusal
		if err := json.Unmarshal(body, &r); err != nil || r.Kind != kinds[key] || r.Reason == "" ||
			aws.ToString(note.ContentType) != "application/json" {
			t.Errorf("%s: note %q (%v), want kind %s", key, body, err, kinds[key])
		}
	}
	// The object vanished before the function ran: permanent too, and
	// nothing to explain to.
	out, err := h.Resize(context.Background(), bucket, "original/5_gone.jpg")
	if err != nil || out.Failed == nil {
		t.Errorf("gone object: err=%v failed=%v", err, out.Failed)
	}
	if exists(c, out.ThumbKey+RefusedSuffix) {
		t.Error("a note was written for an object that is gone")
	}
}

// TestTransientFailure: an unreachable server is an error, so Lambda retries.
func TestTransientFailure(t *testing.T) {
	srv := httptest.NewServer(nil)
	addr := srv.URL
	srv.Close()
	h := handler(newClient(addr))
	ctx, cancel := context.WithTimeout(context.Background(), 1e10)
	defer cancel()
	_, err := h.Resize(ctx, bucket, "original/1_a.jpg")
	if err == nil {
		t.Fatal("no error with the server down")
	}
	var ev events.S3Event
	json.Unmarshal(eventJSON(bucket, "original/1_a.jpg"), &ev)
	if err := h.HandleS3Event(ctx, ev); err == nil {
		t.Fatal("HandleS3Event hid a transient error")
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("wrong error")
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"THUMB_MAX_SIZE": "320", "THUMB_JPEG_QUALITY": "90", "ORIGINAL_PREFIX": "up/",
		"THUMB_PREFIX": "small/", "MAX_PIXELS": "5000000", "MAX_BYTES": "1000", "EXTRA_WIDTHS": "1280,640", "WEBP": "true"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Thumbnail.MaxSize != 320 || c.Thumbnail.JPEGQuality != 90 || c.OriginalPrefix != "up/" ||
		c.ThumbPrefix != "small/" || c.Thumbnail.MaxPixels != 5000000 || c.Thumbnail.MaxBytes != 1000 ||
		joinInts(c.Thumbnail.Widths) != "640,1280" || !c.Thumbnail.WebP {
		t.Fatalf("%+v", c)
	}
	if k, ok := c.ThumbKey("up/1_a b.jpg"); !ok || k != "small/1_a b.jpg" {
		t.Fatalf("ThumbKey = %q %v", k, ok)
	}
	for _, bad := range []map[string]string{
		{"THUMB_MAX_SIZE": "big"}, {"THUMB_JPEG_QUALITY": "101"}, {"MAX_BYTES": "-1"},
		{"ORIGINAL_PREFIX": "a/", "THUMB_PREFIX": "a/thumb/"}, {"EXTRA_WIDTHS": "640,huge"}, {"WEBP": "yes please"},
	} {
		if _, err := ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	d, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil || d.OriginalPrefix != "original/" || d.Thumbnail.MaxSize != 200 || d.Thumbnail.MaxBytes != 52428800 {
		t.Fatalf("defaults: %+v %v", d, err)
	}
	// The function's only writable folder keeps the compiled decoders.
	if d.Thumbnail.DecoderCache != filepath.Join(os.TempDir(), "thumbdrop") {
		t.Fatalf("decoder cache %q, want under %s", d.Thumbnail.DecoderCache, os.TempDir())
	}
}

// TestUnencodedEventKeys: servers that send raw keys ("a+b" meaning a
// plus, "s3:ObjectCreated:Put") still get their thumbnails.
func TestUnencodedEventKeys(t *testing.T) {
	c, _ := fakeS3(t)
	h := handler(c)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	for _, n := range []string{"1_a+b.jpg", "2_a b.jpg", "3_100%.jpg"} {
		put(t, c, "original/"+n, jpg)
		ev := events.S3Event{Records: []events.S3EventRecord{{EventName: "s3:ObjectCreated:Put"}}}
		ev.Records[0].S3.Bucket.Name = bucket
		ev.Records[0].S3.Object.Key = "original/" + n
		if err := h.HandleS3Event(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		if !exists(c, "thumb/"+n) {
			t.Errorf("%s: no thumbnail", n)
		}
	}
}

// TestTemplateSetsEveryVariable: every variable ConfigFromEnv reads (but
// the one Lambda sets itself) is passed by the SAM template from a
// parameter, so a deployed function can be configured without editing it.
func TestTemplateSetsEveryVariable(t *testing.T) {
	src := string(testkit.Read(t, "config.go"))
	tmpl := string(testkit.Read(t, filepath.Join("..", "deploy", "template.yaml")))
	names := regexp.MustCompile(`"([A-Z][A-Z0-9_]+)"`).FindAllStringSubmatch(src, -1)
	if len(names) < 8 {
		t.Fatalf("found only %d variable names in config.go", len(names))
	}
	for _, m := range names {
		if m[1] == "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" {
			continue
		}
		if m[1] == "FUNCTION_MEMORY_MB" {
			continue // Cloud Functions only
		}
		if !regexp.MustCompile(`(?m)^\s+` + m[1] + `: !Ref \w+$`).MatchString(tmpl) {
			t.Errorf("deploy/template.yaml does not set %s from a parameter", m[1])
		}
	}
}

// TestParseS3EventTakesUnencodedKeys: aws-lambda-go refuses a whole event
// whose key is not URL-encoded ('100%.png', as some S3-compatible
// servers send); ParseS3Event reads it, and the handler finds the object.
func TestParseS3EventTakesUnencodedKeys(t *testing.T) {
	raw := eventJSON(bucket, "original/1_100%.png")
	var strict events.S3Event
	if err := json.Unmarshal(raw, &strict); err == nil {
		t.Log("aws-lambda-go now accepts unencoded keys")
	}
	ev, err := ParseS3Event(raw)
	if err != nil || len(ev.Records) != 1 || ev.Records[0].S3.Object.Key != "original/1_100%.png" || ev.Records[0].EventName != "ObjectCreated:Put" {
		t.Fatalf("%+v %v", ev, err)
	}
	c, _ := fakeS3(t)
	put(t, c, "original/1_100%.png", testkit.ReadCorpus(t, "video-001.png"))
	if err := handler(c).HandleS3Event(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if !exists(c, "thumb/1_100%.png") {
		t.Error("no thumbnail")
	}
}
