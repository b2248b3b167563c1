package main

import (
	"bytes"
	"context"
	"fmt"
	_ "image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// runtimeAPI is a stand-in for the Lambda Runtime API: it hands out queued
// events and records what the function answers. It serves the one test
// the emulator cannot (see rie_test.go): the function's own peak memory.
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

// TestBombsUnderMemoryLimit: the function binary, under a 1 GiB address
// space limit (ulimit -v) and told it has 512 MB, answers each
// decompression bomb — refused with a note, or thumbnailed — in under
// 300 MB, names the key in its log, and never asks to be retried.
func TestBombsUnderMemoryLimit(t *testing.T) {
	testkit.Heavy(t, "builds and runs the function binary")
	bin := buildBootstrap(t)
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
		"original/1_tiff16.tif": testkit.TIFFBomb16(10000, 10000),
		"original/2_huge.png":   testkit.PNGBomb(10000, 10000),
		"original/3_screen.gif": testkit.GIFBomb(10000, 10000),
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
