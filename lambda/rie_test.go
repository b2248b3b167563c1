package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// The function binary under AWS's own Lambda Runtime Interface Emulator,
// reading and writing a real S3 gateway (versitygw). The hand-written
// runtimeAPI stand-in remains for one thing the emulator cannot show:
// the function process's own peak memory under an address-space limit
// (TestBombsUnderMemoryLimit reads it from /proc; under the emulator the
// function is a grandchild whose exit the emulator hides).

// buildBootstrap builds the function as the Lambda runs it (static, no
// RPC): the fast tier skips the test.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	return testkit.Build(t, ".", "lambda.norpc,nodynamic", "CGO_ENABLED=0")
}

// emulator is the Runtime Interface Emulator running the bootstrap.
type emulator struct {
	invokeURL string
	logs      *syncBuffer
	started   time.Time
}

func startEmulator(t *testing.T, bootstrap string, env []string) *emulator {
	t.Helper()
	rie := testsrv.RIEBinary(t)
	addr, api := testsrv.FreeAddr(t), testsrv.FreeAddr(t)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", api, bootstrap)
	e := &emulator{invokeURL: "http://" + addr + "/2015-03-31/functions/function/invocations", logs: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = e.logs, e.logs
	cmd.Env = env
	e.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return e
		}
	}
	t.Fatalf("the emulator did not listen on %s:\n%s", addr, e.logs.String())
	return nil
}

// invoke sends one event and returns the function's answer: its response,
// or the error payload Lambda would retry on.
func (e *emulator) invoke(t *testing.T, ev string) (body string, failed bool) {
	t.Helper()
	resp, err := http.Post(e.invokeURL, "application/json", strings.NewReader(ev))
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, e.logs.String())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var payload struct {
		ErrorMessage string `json:"errorMessage"`
	}
	json.Unmarshal(b, &payload)
	return string(b), resp.StatusCode != http.StatusOK || payload.ErrorMessage != ""
}

// awsKey encodes a key the way S3 writes it into event notifications.
func awsKey(k string) string { return strings.ReplaceAll(url.QueryEscape(k), "%2F", "/") }

func TestUnderLambdaEmulator(t *testing.T) {
	testkit.Heavy(t, "runs AWS's Lambda emulator and versitygw")
	bin := buildBootstrap(t)
	v := testsrv.StartVersity(t, false, "photos")
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	ctx := context.Background()
	put := func(key string, data []byte) {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	photo := testkit.ReadPhoto(t, "Elephants_12MP.jpg")
	const (
		hangul  = "original/1732500000000_제주 사진 (1)+100%.jpg"
		percent = "original/1732500000001_100%.png"
		notes   = "original/1732500000002_notes.jpg"
		big     = "original/1732500000003_elephants.jpg"
	)
	put(hangul, testkit.ReadCorpus(t, "video-001.jpeg"))
	put(percent, testkit.ReadCorpus(t, "video-001.png"))
	put(notes, []byte("not a photo"))
	put(big, photo)

	env := append(os.Environ(),
		"AWS_ENDPOINT_URL_S3="+v.Endpoint, "S3_USE_PATH_STYLE=true", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID="+v.Access, "AWS_SECRET_ACCESS_KEY="+v.Secret,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_LAMBDA_FUNCTION_TIMEOUT=30",
		"EXTRA_WIDTHS=640,1280", "WEBP=true")
	emu := startEmulator(t, bin, env)

	// Cold: the first event starts the function.
	body, failed := emu.invoke(t, event("photos", awsKey(hangul)))
	cold := time.Since(emu.started)
	if failed {
		t.Fatalf("AWS-encoded key: %s\n%s", body, emu.logs.String())
	}
	initMS := "?"
	if m := regexp.MustCompile(`Init Duration: ([0-9.]+) ms`).FindStringSubmatch(emu.logs.String()); m != nil {
		initMS = m[1]
	}
	t.Logf("cold start: first answer %s after the emulator started (its Init Duration: %s ms)", cold.Round(time.Millisecond), initMS)

	// An S3-compatible server's unencoded key ('%' not followed by hex)
	// must not fail the invocation.
	if body, failed := emu.invoke(t, event("photos", percent)); failed {
		t.Errorf("unencoded key %s: %s", percent, body)
	}
	// A permanent failure is answered (a note written), not retried.
	if body, failed := emu.invoke(t, event("photos", notes)); failed {
		t.Errorf("not a photo: the function asked to be retried: %s", body)
	}
	// The recursion guard.
	if body, failed := emu.invoke(t, event("photos", "thumb/1732500000000_x.jpg")); failed {
		t.Errorf("thumb/ key: %s", body)
	}
	// Warm: a 12 MP photo to its whole set.
	start := time.Now()
	if body, failed := emu.invoke(t, event("photos", awsKey(big))); failed {
		t.Fatalf("12 MP: %s", body)
	}
	t.Logf("warm: 12 MP photo to thumbnail, 640 and 1280 px copies and WebP twins in %s", time.Since(start).Round(time.Millisecond))

	for _, c := range []struct {
		key string
		w   int
	}{
		{"thumb/1732500000000_제주 사진 (1)+100%.jpg", 150},
		{"thumb/1732500000001_100%.png", 150},
		{"thumb/1732500000003_elephants.jpg", 200},
		{"thumb/640w/1732500000003_elephants.jpg", 640},
		{"thumb/1280w/1732500000003_elephants.jpg", 1280},
	} {
		f, err := os.Open(filepath.Join(v.Root, "photos", c.key))
		if err != nil {
			t.Errorf("%s: %v", c.key, err)
			continue
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != c.w {
			t.Errorf("%s: %d px wide (%v), want %d", c.key, cfg.Width, err, c.w)
		}
	}
	for _, k := range []string{"thumb/1732500000003_elephants.jpg.webp", "thumb/1280w/1732500000003_elephants.jpg.webp", "thumb/1732500000002_notes.jpg.refused"} {
		if _, err := os.Stat(filepath.Join(v.Root, "photos", k)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := os.Stat(filepath.Join(v.Root, "photos", "thumb", "1732500000002_notes.jpg")); err == nil {
		t.Error("a thumbnail of a text file")
	}

	// S3 down: a transient failure, answered as an error so Lambda retries.
	v.Stop()
	if body, failed := emu.invoke(t, event("photos", awsKey(hangul))); !failed {
		t.Errorf("with S3 down the function did not ask to be retried: %s", body)
	}
	v.Start()
	if !strings.Contains(emu.logs.String(), notes) {
		t.Errorf("the refusal is not logged with its key")
	}
}
