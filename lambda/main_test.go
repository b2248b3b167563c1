package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// runtimeAPI is a stand-in for the Lambda Runtime API: it hands out queued
// events and records what the function answers.
type runtimeAPI struct {
	mu      sync.Mutex
	queue   []string
	replies chan reply
}

type reply struct {
	id, kind, body string
}

func (r *runtimeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	const base = "/2018-06-01/runtime/"
	p := strings.TrimPrefix(req.URL.Path, base)
	switch {
	case req.Method == http.MethodGet && p == "invocation/next":
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.mu.Unlock()
			<-req.Context().Done() // long poll, as the real API does
			return
		}
		ev := r.queue[0]
		r.queue = r.queue[1:]
		id := fmt.Sprintf("req-%d", time.Now().UnixNano())
		r.mu.Unlock()
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:thumbdrop-resize")
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
		io.WriteString(w, ev)
	case req.Method == http.MethodPost && strings.HasPrefix(p, "invocation/"):
		parts := strings.Split(p, "/") // invocation/{id}/response|error
		body, _ := io.ReadAll(req.Body)
		r.replies <- reply{parts[1], parts[2], string(body)}
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPost && p == "init/error":
		body, _ := io.ReadAll(req.Body)
		r.replies <- reply{"", "init/error", string(body)}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}

// syncBuffer collects the function's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func event(bucket, rawKey string) string {
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventName":"ObjectCreated:Put",
"s3":{"s3SchemaVersion":"1.0","bucket":{"name":%q,"arn":"arn:aws:s3:::%s"},"object":{"key":%q,"size":1}}}]}`, bucket, bucket, rawKey)
}

// TestBinaryUnderRuntimeAPI builds the real function binary, runs it the way
// Lambda does (AWS_LAMBDA_RUNTIME_API), and checks the thumbnail it writes to
// an S3 server on loopback reached through AWS_ENDPOINT_URL_S3.
func TestBinaryUnderRuntimeAPI(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc,nodynamic", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	be := s3mem.New()
	be.CreateBucket("photos")
	s3srv := httptest.NewServer(gofakes3.New(be).Server())
	defer s3srv.Close()
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDLAMBDA", "lambda-secret", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	jpg, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "video-001.jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	key := "original/1732500000000_제주 사진 (1)+100%.jpg"
	ctx := context.Background()
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(key), Body: bytes.NewReader(jpg)}); err != nil {
		t.Fatal(err)
	}
	client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("original/2_notes.jpg"), Body: strings.NewReader("not a photo")})

	api := &runtimeAPI{replies: make(chan reply, 4)}
	api.queue = []string{
		event("photos", strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")),
		event("photos", "original/2_notes.jpg"),      // permanent failure: answered, not an error
		event("photos", "thumb/1732500000000_x.jpg"), // recursion guard
	}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()

	cmd := exec.Command(bin)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(apiSrv.URL, "http://"),
		"AWS_ENDPOINT_URL_S3=" + s3srv.URL,
		"S3_USE_PATH_STYLE=true",
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDLAMBDA",
		"AWS_SECRET_ACCESS_KEY=lambda-secret",
		"AWS_LAMBDA_FUNCTION_NAME=thumbdrop-resize",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"THUMB_MAX_SIZE=120",
		"EXTRA_WIDTHS=140,4000", // 4000: wider than the photo, never made
		"WEBP=true",
	}
	if ca := os.Getenv("AWS_CA_BUNDLE"); ca != "" { // as on corporate machines
		cmd.Env = append(cmd.Env, "AWS_CA_BUNDLE="+ca)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	for i := 0; i < 3; i++ {
		select {
		case r := <-api.replies:
			if r.kind != "response" {
				t.Fatalf("invocation %d: function answered %s: %s\nlogs:\n%s", i, r.kind, r.body, logs.String())
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("no answer to invocation %d\nlogs:\n%s", i, logs.String())
		}
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String("thumb/1732500000000_제주 사진 (1)+100%.jpg")})
	if err != nil {
		t.Fatalf("thumbnail missing: %v\nlogs:\n%s", err, logs.String())
	}
	defer out.Body.Close()
	m, _, err := image.Decode(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Bounds(); b.Dx() != 120 || aws.ToString(out.ContentType) != "image/jpeg" {
		t.Fatalf("thumbnail %v %q, want 120 px wide JPEG (THUMB_MAX_SIZE=120)", b, aws.ToString(out.ContentType))
	}
	if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String("thumb/2_notes.jpg")}); err == nil {
		t.Error("a thumbnail was written for a text file")
	}
	// The copy and the twins (EXTRA_WIDTHS, WEBP).
	for k, want := range map[string]string{
		"thumb/140w/1732500000000_제주 사진 (1)+100%.jpg":      "image/jpeg",
		"thumb/140w/1732500000000_제주 사진 (1)+100%.jpg.webp": "image/webp",
		"thumb/1732500000000_제주 사진 (1)+100%.jpg.webp":      "image/webp",
	} {
		h, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String(k)})
		if err != nil || aws.ToString(h.ContentType) != want {
			t.Errorf("%s: %v %v, want %s", k, err, h, want)
		}
	}
	if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String("thumb/4000w/1732500000000_제주 사진 (1)+100%.jpg")}); err == nil {
		t.Error("a 4000 px copy of a 150 px photo was made")
	}
	if !strings.Contains(logs.String(), "original/2_notes.jpg") {
		t.Errorf("the permanent failure is not logged with its key:\n%s", logs.String())
	}
}

// TestBombsUnderMemoryLimit: the function binary, under a 1 GiB address
// space limit (ulimit -v) and told it has 512 MB, answers each
// decompression bomb — refused with a note, or thumbnailed — in under
// 300 MB, names the key in its log, and never asks to be retried.
func TestBombsUnderMemoryLimit(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc,nodynamic", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	be := s3mem.New()
	be.CreateBucket("photos")
	s3srv := httptest.NewServer(gofakes3.New(be).Server())
	defer s3srv.Close()
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDLAMBDA", "lambda-secret", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	ctx := context.Background()
	bombs := map[string][]byte{
		"original/1_tiff16.tif": testsrv.TIFFBomb16(10000, 10000),
		"original/2_huge.png":   testsrv.PNGBomb(10000, 10000),
		"original/3_screen.gif": testsrv.GIFBomb(10000, 10000),
	}
	api := &runtimeAPI{replies: make(chan reply, len(bombs))}
	for k, data := range bombs {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(k), Body: bytes.NewReader(data)}); err != nil {
			t.Fatal(err)
		}
		api.queue = append(api.queue, event("photos", k))
	}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()

	cmd := exec.Command("/bin/sh", "-c", "ulimit -v 1048576 && exec "+bin)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(apiSrv.URL, "http://"),
		"AWS_ENDPOINT_URL_S3=" + s3srv.URL, "S3_USE_PATH_STYLE=true", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDLAMBDA", "AWS_SECRET_ACCESS_KEY=lambda-secret",
		"AWS_LAMBDA_FUNCTION_NAME=thumbdrop-resize", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for i := range bombs {
		select {
		case r := <-api.replies:
			if r.kind != "response" {
				t.Fatalf("bomb %s: the function answered %s (would be retried): %s\nlogs:\n%s", i, r.kind, r.body, logs.String())
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("no answer\nlogs:\n%s", logs.String())
		}
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	var hwm int
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Sscan(strings.TrimPrefix(l, "VmHWM:"), &hwm)
		}
	}
	t.Logf("peak RSS %d MB", hwm/1024)
	if hwm == 0 || hwm/1024 >= 300 {
		t.Errorf("peak RSS %d MB", hwm/1024)
	}
	for k := range bombs {
		if !strings.Contains(logs.String(), k) {
			t.Errorf("%s is not named in the log", k)
		}
	}
	tk := "thumb/1_tiff16.tif.refused"
	if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String(tk)}); err != nil {
		t.Errorf("no refusal note %s: %v", tk, err)
	}
	for _, k := range []string{"thumb/2_huge.png", "thumb/3_screen.gif"} {
		if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String(k)}); err != nil {
			t.Errorf("no thumbnail %s: %v", k, err)
		}
	}
}
