package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// TestThumbnailWaitIsNotFooledByTheCDN: links go through a CDN that
// caches error answers (testsrv.CDN, as CloudFront does). A reader asks
// for the thumbnail's link while the resize function has not made it yet
// (the S3 event is held back), and the CDN caches that answer as missing.
// The function then writes the thumbnail: the upload becomes ready
// (the core waits through the S3 API, HEAD with its keys) while the CDN
// still answers the same link 404 from its cache; once the error's TTL
// has passed, the CDN serves the thumbnail, immutable for a year.
func TestThumbnailWaitIsNotFooledByTheCDN(t *testing.T) {
	testkit.Heavy(t, "needs versitygw")
	v := testsrv.StartVersity(t, true, "photos")
	cdn := testsrv.StartCDN(t, v.Endpoint, "photos", v.Access, v.Secret, 10*time.Second)
	t.Setenv("AWS_ACCESS_KEY_ID", v.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", v.Secret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.Target, c.Bucket, c.Endpoint, c.PathStyle, c.Credentials = app.TargetS3, "photos", v.Endpoint, true, app.CredsAWS
	c.PublicBaseURL = cdn.URL
	c.ThumbTimeout = app.Duration(30 * time.Second)
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	core, err := app.Open(bg, app.Options{Dirs: d, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	fn := &resize.Handler{Store: resize.S3Store{Client: client}, Config: resize.DefaultConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	id := core.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "제주 바다 (1).jpg")))[0]
	var rec events.S3EventRecord
	select {
	case rec = <-v.Events: // uploaded; the function has not run
	case <-time.After(20 * time.Second):
		t.Fatal("no S3 event for the upload")
	}
	j, _ := core.Job(id)
	for deadline := time.Now().Add(20 * time.Second); j.State < app.Waiting && time.Now().Before(deadline); j, _ = core.Job(id) {
		time.Sleep(10 * time.Millisecond) // polling the job's state
	}
	if j.State != app.Waiting || j.Record.ThumbKey == "" {
		t.Fatalf("uploaded, before its thumbnail existed: %v %s %v (thumbnail key %q)", j.State, j.Record.Status, j.Err, j.Record.ThumbKey)
	}
	link := cdn.URL + "/" + storage.EscapeKey(j.Record.ThumbKey)
	get := func() (int, http.Header) {
		t.Helper()
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	if status, h := get(); status != http.StatusNotFound || h.Get("X-Cache") != "Miss from cloudfront" {
		t.Fatalf("the thumbnail's link before the function ran: %d %s", status, h.Get("X-Cache"))
	}
	j, _ = core.Job(id)
	if j.State == app.Done {
		t.Fatalf("the upload finished before its thumbnail existed: %s %v", j.Record.Status, j.Err)
	}

	if err := fn.HandleS3Event(context.Background(), events.S3Event{Records: []events.S3EventRecord{rec}}); err != nil {
		t.Fatal(err)
	}
	core.Wait(bg, id)
	j, _ = core.Job(id)
	if j.Record.Status != app.StatusReady || j.Record.ThumbURL != link {
		t.Fatalf("after the function ran: %s %v, thumbnail link %s (want %s)", j.Record.Status, j.Err, j.Record.ThumbURL, link)
	}
	// The CDN still has the link as missing: whoever waited on it would
	// still be waiting (or would have given up).
	if status, h := get(); status != http.StatusNotFound || h.Get("X-Cache") != "Hit from cloudfront" {
		t.Errorf("the CDN's cached answer: %d %s; the test shows nothing", status, h.Get("X-Cache"))
	}
	cdn.Advance(11 * time.Second)
	status, h := get()
	if status != http.StatusOK || h.Get("Content-Type") != "image/jpeg" || h.Get("Cache-Control") != resize.DefaultCacheControl {
		t.Errorf("after the error TTL: %d, Content-Type %q, Cache-Control %q", status, h.Get("Content-Type"), h.Get("Cache-Control"))
	}
	cdn.Advance(364 * 24 * time.Hour)
	if status, h := get(); status != http.StatusOK || h.Get("X-Cache") != "Hit from cloudfront" {
		t.Errorf("a year less a day later: %d %s (immutable: still cached)", status, h.Get("X-Cache"))
	}
	// The original's link goes through the CDN too.
	if !strings.HasPrefix(j.Record.URL, cdn.URL+"/original/") {
		t.Errorf("original link %s", j.Record.URL)
	}
}
