// Package testsrv starts real S3 servers on loopback for tests: versitygw
// (a production S3 gateway with real SigV4 checks and webhook event
// notifications) and thumbdrop's own local server.
package testsrv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/zalando/go-keyring"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/resize"
)

// Versity is a running versitygw with a posix backend.
type Versity struct {
	Endpoint       string
	Access, Secret string
	Root           string // backend directory: one folder per bucket
	Addr           string
	bin            string
	args           []string
	cmd            *exec.Cmd
	t              testing.TB
	Events         chan events.S3EventRecord // webhook notifications, if enabled
}

// VersityBinary finds versitygw: $VERSITYGW, PATH, or ~/go/bin. With
// THUMBDROP_REQUIRE_SERVERS=1 (make test, CI) its absence fails the test.
func VersityBinary(t testing.TB) string {
	t.Helper()
	return Tool(t, "versitygw", "VERSITYGW", "github.com/versity/versitygw/cmd/versitygw@v1.8.0")
}

// RIEBinary finds AWS's Lambda Runtime Interface Emulator.
func RIEBinary(t testing.TB) string {
	t.Helper()
	return Tool(t, "aws-lambda-rie", "AWS_LAMBDA_RIE",
		"github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d")
}

// Tool finds a server the tests run, installed with 'go install' (see
// testkit.GoTool: skipped in -short, failed in the full tier when missing).
func Tool(t testing.TB, name, env, module string) string {
	t.Helper()
	return testkit.GoTool(t, name, env, module)
}

// FreeAddr returns a free loopback address.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// StartVersity starts versitygw with the given buckets. With webhook, it
// sends S3 event notifications to a receiver whose records arrive on
// v.Events. A server is the full tier's: under -short the test is skipped.
func StartVersity(t testing.TB, webhook bool, buckets ...string) *Versity {
	t.Helper()
	if testing.Short() {
		t.Skip("runs versitygw (the full tier: make test)")
	}
	v := &Versity{Access: "AKIATHUMBDROPTEST", Secret: "versity-test-secret-0123456789", Root: t.TempDir(),
		Addr: FreeAddr(t), bin: VersityBinary(t), t: t}
	v.Endpoint = "http://" + v.Addr
	for _, b := range buckets {
		if err := os.MkdirAll(filepath.Join(v.Root, b), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	v.args = []string{"--access", v.Access, "--secret", v.Secret, "--port", v.Addr, "--quiet"}
	if webhook {
		v.Events = make(chan events.S3EventRecord, 256)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			// Read only what an S3 trigger uses, as resize.ParseS3Event
			// does (not imported: the thumbnail package's tests use this
			// package): versitygw's payload has fields (an empty glacier
			// restore time) aws-lambda-go's full types refuse.
			var ev struct {
				Records []struct {
					EventName string `json:"eventName"`
					S3        struct {
						Bucket struct {
							Name string `json:"name"`
						} `json:"bucket"`
						Object struct {
							Key  string `json:"key"`
							Size int64  `json:"size"`
						} `json:"object"`
					} `json:"s3"`
				}
			}
			if err := json.Unmarshal(body, &ev); err == nil {
				for _, r := range ev.Records {
					var rec events.S3EventRecord
					rec.EventName = r.EventName
					rec.S3.Bucket.Name = r.S3.Bucket.Name
					rec.S3.Object.Key = r.S3.Object.Key
					rec.S3.Object.Size = r.S3.Object.Size
					v.Events <- rec
				}
			}
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(hook.Close)
		v.args = append(v.args, "--event-webhook-url", hook.URL)
	}
	// Metadata (Content-Type, Cache-Control, user metadata) in a sidecar
	// folder: works on file systems without extended attributes.
	v.args = append(v.args, "posix", "--sidecar", t.TempDir(), v.Root)
	v.Start()
	t.Cleanup(v.Stop)
	return v
}

// Start (re)starts the server and waits until it answers.
func (v *Versity) Start() {
	v.t.Helper()
	v.cmd = exec.Command(v.bin, v.args...)
	var out bytes.Buffer
	v.cmd.Stdout, v.cmd.Stderr = &out, &out
	if err := v.cmd.Start(); err != nil {
		v.t.Fatalf("start versitygw: %v", err)
	}
	exited := make(chan struct{})
	go func() { v.cmd.Process.Wait(); close(exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			v.t.Fatalf("versitygw exited: %s", out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", v.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	v.t.Fatalf("versitygw did not start on %s", v.Addr)
}

// Pause stops the server the way a hung machine does (SIGSTOP): its
// connections stay open and nothing answers.
func (v *Versity) Pause() {
	if v.cmd != nil && v.cmd.Process != nil {
		v.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume lets a paused server go on (SIGCONT).
func (v *Versity) Resume() {
	if v.cmd != nil && v.cmd.Process != nil {
		v.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// Stop kills the server (as a crash would).
func (v *Versity) Stop() {
	if v.cmd != nil && v.cmd.Process != nil {
		v.cmd.Process.Kill()
		time.Sleep(50 * time.Millisecond) // the waiter goroutine reaps it
		v.cmd = nil
	}
}

// RequireKeyring checks that a Secret Service answers (scripts/test.sh
// starts gnome-keyring in a private D-Bus session): skipped in -short (it
// is another process); without one the test fails in the full tier and is
// skipped otherwise.
func RequireKeyring(t testing.TB) {
	t.Helper()
	testkit.Heavy(t, "talks to the Secret Service")
	err := keyring.Set("thumbdrop-probe", "probe", "x")
	if err == nil {
		keyring.Delete("thumbdrop-probe", "probe")
		return
	}
	msg := "no usable Secret Service (" + err.Error() + "): run the tests with scripts/test.sh"
	if testkit.FullTier() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// String names it in messages.
func (v *Versity) String() string { return fmt.Sprintf("versitygw at %s", v.Endpoint) }

// Rclone runs rclone, an independent S3 client, against the server (as
// the remote "vg:"), and returns what it printed; the test fails if it
// fails. rclone needs AWS_CA_BUNDLE unset.
func (v *Versity) Rclone(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command("rclone", args...)
	cmd.Env = append(os.Environ(), "RCLONE_CONFIG_VG_TYPE=s3", "RCLONE_CONFIG_VG_PROVIDER=Other",
		"RCLONE_CONFIG_VG_ACCESS_KEY_ID="+v.Access, "RCLONE_CONFIG_VG_SECRET_ACCESS_KEY="+v.Secret,
		"RCLONE_CONFIG_VG_ENDPOINT="+v.Endpoint, "AWS_CA_BUNDLE=", "RCLONE_CONFIG=/dev/null",
		// The buckets exist (made as folders): rclone's CreateBucket would
		// be answered 500 and retried for minutes.
		"RCLONE_CONFIG_VG_NO_CHECK_BUCKET=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rclone %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// ResizeEvents runs the resize handler on the server's event
// notifications (webhook), as S3 events drive the Lambda, until the test
// ends.
func (v *Versity) ResizeEvents(t testing.TB, rc resize.Config) {
	t.Helper()
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	fn := &resize.Handler{Store: resize.S3Store{Client: client}, Config: rc, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case rec := <-v.Events:
				fn.HandleS3Event(ctx, events.S3Event{Records: []events.S3EventRecord{rec}})
			}
		}
	}()
}
