package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// Faults met on a real S3 gateway (versitygw): a server that stops
// answering, a file that changes while it goes up, uploads cancelled or
// failed halfway, and errors worded for what the user can do.

func versityClient(v *testsrv.Versity) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
}

// openParts lists the multipart uploads begun and never completed.
func openParts(t *testing.T, v *testsrv.Versity) []string {
	t.Helper()
	out, err := versityClient(v).ListMultipartUploads(bg, &s3.ListMultipartUploadsInput{Bucket: aws.String("photos")})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

// bigPhoto writes a file of n random bytes with a JPEG signature.
func bigPhoto(t *testing.T, n int, name string) (string, []byte) {
	t.Helper()
	data := make([]byte, n)
	rand.Read(data)
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// notes records the notes a job shows while it runs.
func notes(core *app.Core) (func() []string, func()) {
	var mu sync.Mutex
	var seen []string
	stop := core.Watch(func(ev app.Event) {
		if ev.Job != nil && ev.Job.Note != nil {
			n := ev.Job.Note.Error()
			mu.Lock()
			if len(seen) == 0 || seen[len(seen)-1] != n {
				seen = append(seen, n)
			}
			mu.Unlock()
		}
	})
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }, stop
}

func waitSent(t *testing.T, core *app.Core, id int, n int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		j, _ := core.Job(id)
		if j.State == app.Uploading && j.Sent > n {
			return
		}
		if j.State.Terminal() {
			t.Fatalf("the upload ended before %d bytes: %v %v", n, j.State, j.Err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("the upload never got going")
}

func stallAfter(d time.Duration) func(*resize.Config, *app.Config) {
	return func(_ *resize.Config, c *app.Config) { c.StallTimeout = app.Duration(d) }
}

// TestVersityStalledServerRetried: the server stops answering (SIGSTOP)
// halfway through a multipart upload; within the stall timeout the job
// says so and retries; when the server comes back the upload completes,
// byte-exact, with no part left behind. (Before: 'upload' waited all
// the time the server was stopped, saying nothing.)
func TestVersityStalledServerRetried(t *testing.T) {
	v, core := versityCore(t, false, time.Second, stallAfter(time.Second))
	seen, stop := notes(core)
	defer stop()
	p, data := bigPhoto(t, 40<<20, "stalled.jpg")
	id := core.Add(app.AddOptions{NoWait: true}, p)[0]
	waitSent(t, core, id, 10<<20)
	v.Pause()
	stalled := func() bool {
		n := seen()
		return len(n) > 0 && strings.Contains(n[0], "stopped answering")
	}
	testkit.Eventually(t, 30*time.Second, stalled, func() string { return fmt.Sprintf("while the server was stopped the job said %q", seen()) })
	v.Resume()
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done {
		t.Fatalf("after the server came back: %v %v", j.State, j.Err)
	}
	got, err := os.ReadFile(filepath.Join(v.Root, "photos", j.Record.Key))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored object differs (%v)", err)
	}
	if left := openParts(t, v); len(left) != 0 {
		t.Errorf("unfinished multipart uploads left: %v", left)
	}
}

// TestVersityStalledServerGivesUp: a server that never answers again fails
// the upload with one sentence, in bounded time; the parts it could not
// abort then are aborted once the server is back.
func TestVersityStalledServerGivesUp(t *testing.T) {
	v, core := versityCore(t, false, time.Second, stallAfter(time.Second))
	p, _ := bigPhoto(t, 40<<20, "lost.jpg")
	id := core.Add(app.AddOptions{NoWait: true}, p)[0]
	waitSent(t, core, id, 10<<20)
	v.Pause()
	start := time.Now()
	core.Wait(bg, id)
	took := time.Since(start)
	v.Resume()
	// Requests that reached the stopped server's sockets are served now
	// it runs again: the next upload aborts what is left once the server
	// answers again.
	testkit.Eventually(t, 30*time.Second, func() bool {
		_, err := versityClient(v).ListMultipartUploads(bg, &s3.ListMultipartUploadsInput{Bucket: aws.String("photos")})
		return err == nil
	}, func() string { return "the server never answered again" })
	j, _ := core.Job(id)
	if j.State != app.Failed || !errors.Is(j.Err, storage.ErrStalled) {
		t.Fatalf("with the server stopped for good: %v %v", j.State, j.Err)
	}
	msg := j.Err.Error()
	if !strings.Contains(msg, "lost.jpg") || !strings.Contains(msg, "stopped answering") || strings.Contains(msg, "operation error") {
		t.Errorf("error %q", msg)
	}
	if took > 90*time.Second {
		t.Errorf("gave up after %s", took)
	}
	t.Logf("gave up after %s: %s", took.Round(time.Second), msg)
	// The next upload first aborts what was left.
	small := core.Add(app.AddOptions{NoWait: true}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "after.jpg")))[0]
	core.Wait(bg, small)
	if j, _ := core.Job(small); j.State != app.Done {
		t.Fatalf("upload after the server came back: %v %v", j.State, j.Err)
	}
	if left := openParts(t, v); len(left) != 0 {
		t.Errorf("unfinished multipart uploads left: %v", left)
	}
}

// TestVersityGivenUpUploadStoredLater: a small file's PUT reaches a
// server that stores it and then stops answering (as one paused with
// SIGSTOP serves the request queued in its socket when it comes back);
// the upload is given up, and the object the user was told failed is
// stored. The next upload deletes it.
func TestVersityGivenUpUploadStoredLater(t *testing.T) {
	v, core := versityCore(t, false, time.Second, stallAfter(time.Second))
	c := core.Config()
	c.Endpoint = testsrv.StallProxy(t, v.Endpoint, func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "queued.jpg")
	})
	if err := core.ApplyConfig(bg, c); err != nil {
		t.Fatal(err)
	}
	p, _ := bigPhoto(t, 64<<10, "queued.jpg")
	id := core.Add(app.AddOptions{NoWait: true}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Failed || !errors.Is(j.Err, storage.ErrStalled) {
		t.Fatalf("with the server not answering: %v %v", j.State, j.Err)
	}
	dir := filepath.Join(v.Root, "photos", "original")
	stored := func() []string {
		var names []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), "queued.jpg") {
				names = append(names, e.Name())
			}
		}
		return names
	}
	if got := stored(); len(got) != 1 {
		t.Fatalf("the server stored %v of the given-up upload, want one object", got)
	}
	next := core.Add(app.AddOptions{NoWait: true}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "next.jpg")))[0]
	core.Wait(bg, next)
	if j, _ := core.Job(next); j.State != app.Done {
		t.Fatalf("the next upload: %v %v", j.State, j.Err)
	}
	if left := stored(); len(left) != 0 {
		t.Errorf("the given-up upload is still stored: %v", left)
	}
}

// TestVersityFileChangedWhileUploading: a file cut short while it goes up
// fails, and nothing of it is kept. (Before: reported uploaded with the
// old size and sha256, the object shorter.)
func TestVersityFileChangedWhileUploading(t *testing.T) {
	v, core := versityCore(t, false, time.Second)
	p, _ := bigPhoto(t, 40<<20, "growing.jpg")
	id := core.Add(app.AddOptions{NoWait: true}, p)[0]
	waitSent(t, core, id, 10<<20)
	if err := os.Truncate(p, 5<<20); err != nil {
		t.Fatal(err)
	}
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Failed || !strings.Contains(j.Err.Error(), "growing.jpg changed while it was uploading (40.0 MB before, 5.0 MB now)") {
		t.Fatalf("%v %v", j.State, j.Err)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{}); n != 0 {
		t.Errorf("history keeps %d records of it", n)
	}
	entries, _ := os.ReadDir(filepath.Join(v.Root, "photos", "original"))
	if len(entries) != 0 {
		t.Errorf("objects kept: %v", entries)
	}
	if left := openParts(t, v); len(left) != 0 {
		t.Errorf("unfinished multipart uploads left: %v", left)
	}
}

// TestVersityCancelLeavesNoParts: an upload cancelled halfway leaves no
// multipart upload on the server.
func TestVersityCancelLeavesNoParts(t *testing.T) {
	v, core := versityCore(t, false, time.Second)
	p, _ := bigPhoto(t, 100<<20, "cancelled.jpg")
	id := core.Add(app.AddOptions{NoWait: true}, p)[0]
	waitSent(t, core, id, 20<<20)
	core.Cancel(id)
	core.Wait(bg, id)
	if j, _ := core.Job(id); j.State != app.Canceled {
		t.Fatalf("%v %v", j.State, j.Err)
	}
	if left := openParts(t, v); len(left) != 0 {
		t.Errorf("unfinished multipart uploads left: %v", left)
	}
}

// TestVersityWordsForCredentials: with the AWS CLI's credentials, none at
// all or wrong ones give a sentence about the AWS CLI, not an SDK dump
// or advice about 'thumbdrop login'.
func TestVersityWordsForCredentials(t *testing.T) {
	_, core := versityCore(t, false, time.Second)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, c := range []struct {
		name, id, secret string
		want             []string
	}{
		{"none", "", "", []string{"no credentials", "aws configure"}},
		{"wrong", "AKIAWRONGWRONGWRONG0", "wrong-secret", []string{"the access key or secret is wrong", "aws sts get-caller-identity"}},
	} {
		t.Setenv("AWS_ACCESS_KEY_ID", c.id)
		t.Setenv("AWS_SECRET_ACCESS_KEY", c.secret)
		core.ApplyConfig(bg, core.Config()) // a fresh session reads the environment again
		id := core.Add(app.AddOptions{NoWait: true}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), c.name+".jpg")))[0]
		core.Wait(bg, id)
		j, _ := core.Job(id)
		if j.State != app.Failed {
			t.Fatalf("%s: %v", c.name, j.State)
		}
		msg := j.Err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s credentials: %q lacks %q", c.name, msg, w)
			}
		}
		for _, bad := range []string{"IMDS", "operation error", "thumbdrop login'"} {
			if strings.Contains(msg, bad) && !(bad == "thumbdrop login'" && strings.Contains(msg, "credentials keyring")) {
				t.Errorf("%s credentials: %q says %q", c.name, msg, bad)
			}
		}
	}
}

// TestServerErrorWording: a server that cannot store the file (versitygw
// says InternalError when its disk is full) is named so, in one sentence.
func TestServerErrorWording(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error, please try again.</Message></Error>`))
	}))
	defer srv.Close()
	b, err := storage.OpenS3(context.Background(), storage.S3Config{Bucket: "photos", Endpoint: srv.URL, PathStyle: true, MaxAttempts: 1,
		Keys: storage.StaticKeys("AKIA0000000000000000", "secret")})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Upload(bg, "original/1_a.jpg", bytes.NewReader([]byte("x")), 1, storage.PutOptions{})
	if !errors.Is(err, storage.ErrServer) || !strings.Contains(err.Error(), "perhaps its disk is full") || strings.Contains(err.Error(), "operation error") {
		t.Fatalf("%v", err)
	}
}

// TestVersityDoctor: Test connection names an S3-compatible endpoint's
// quirks, each played by a loopback proxy in front of versitygw, and
// uploads through them work; a wrong addressing style is named as the
// cause of a bucket that cannot be reached.
func TestVersityDoctor(t *testing.T) {
	v, core := versityCore(t, false, time.Second)
	// By name: against an IP address the SDK addresses buckets by path
	// whatever it is told, and the addressing probe would learn nothing.
	byName := func(ep string) string { return strings.Replace(ep, "127.0.0.1", "localhost", 1) }
	quirky := byName(testsrv.QuirkProxy(t, v.Endpoint, testsrv.Quirks{NoChecksums: true, NoACLs: true, RewriteAcceptEncoding: true}))
	c := core.Config()
	c.Endpoint = quirky
	if err := core.ApplyConfig(bg, c); err != nil {
		t.Fatal(err)
	}
	r := core.TestConnection(bg, c, nil)
	if !r.Endpoint.OK {
		t.Errorf("endpoint: %+v", r.Endpoint)
	}
	for _, want := range []string{"refuses the checksum headers", "refuses ACL headers", "rewrites Accept-Encoding", "needs path-style addressing"} {
		if !strings.Contains(r.Endpoint.Detail, want) {
			t.Errorf("the report does not say %q: %s", want, r.Endpoint.Detail)
		}
	}
	if !r.Put.OK || !r.Bucket.OK {
		t.Errorf("through the quirks: bucket %+v, upload %+v", r.Bucket, r.Put)
	}
	if r.Links.OK || !strings.Contains(r.Links.Detail, "HTTP 403") || !strings.Contains(r.Links.Detail, "presigned") {
		t.Errorf("public links on a private bucket: %+v", r.Links)
	}
	id := core.Add(app.AddOptions{NoWait: true}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "quirky.jpg")))[0]
	core.Wait(bg, id)
	if j, _ := core.Job(id); j.State != app.Done {
		t.Fatalf("upload through the quirks: %v %v", j.State, j.Err)
	}
	// The probes cleaned up after themselves: only the upload is left.
	var left []string
	filepath.WalkDir(filepath.Join(v.Root, "photos"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			left = append(left, filepath.Base(p))
		}
		return nil
	})
	if len(left) != 1 || !strings.HasSuffix(left[0], "quirky.jpg") {
		t.Errorf("objects after Test connection and one upload: %v", left)
	}

	// Virtual-host addressing against a server reachable only by path.
	c.Endpoint, c.PathStyle = byName(v.Endpoint), false
	r = core.TestConnection(bg, c, nil)
	if r.Bucket.OK || !strings.Contains(r.Bucket.Detail, "set path_style true") || r.Endpoint.OK || strings.Contains(r.Endpoint.Detail, "checksum") {
		t.Errorf("virtual-host against a path-style server: bucket %+v endpoint %+v", r.Bucket, r.Endpoint)
	}
	for _, it := range r.Items() {
		t.Logf("%s: %v %s", it.Label, it.OK, it.Detail)
	}

	// Nothing listening: the steps not tried say so, and nothing is
	// claimed of the endpoint.
	c.Endpoint = "http://" + testsrv.FreeAddr(t)
	r = core.TestConnection(bg, c, nil)
	if r.Bucket.OK || r.Endpoint.Detail != "" || !r.Credentials.Skipped || !r.Put.Skipped || !r.Resize.Skipped {
		t.Errorf("an endpoint where nothing listens: %+v", r)
	}
}
