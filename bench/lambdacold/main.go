// Command lambdacold measures the cold start of Lambda function binaries:
// for each, it starts the binary as Lambda would (AWS_LAMBDA_RUNTIME_API
// pointing at a stand-in of the Runtime API here, or with -rie under AWS's
// Runtime Interface Emulator; S3 an in-memory server), hands it one S3
// event, and times process start to the function's answer. Each start has
// an empty TMPDIR, as a new sandbox has; with -warm-tmp, also a second
// start in the TMPDIR the first left (a sandbox whose function restarted).
// Medians of -runs starts per binary and per object.
//
// usage: go run ./bench/lambdacold [-rie aws-lambda-rie] [-warm-tmp] -runs 7 -obj photo.jpg -obj photo.heic BOOTSTRAP...
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

type objects []string

func (o *objects) String() string     { return strings.Join(*o, ",") }
func (o *objects) Set(s string) error { *o = append(*o, s); return nil }

type api struct {
	mu    sync.Mutex
	event string
	done  chan time.Time
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/2018-06-01/runtime/")
	switch {
	case r.Method == http.MethodGet && p == "invocation/next":
		a.mu.Lock()
		ev := a.event
		a.event = ""
		a.mu.Unlock()
		if ev == "" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "bench")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
		io.WriteString(w, ev)
	case r.Method == http.MethodPost:
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		if strings.HasSuffix(p, "/response") {
			a.done <- time.Now()
		} else {
			fmt.Fprintln(os.Stderr, "function answered", p)
			a.done <- time.Time{}
		}
	}
}

func main() {
	var objs objects
	runs := flag.Int("runs", 7, "starts per binary and object")
	flag.Var(&objs, "obj", "an image to thumbnail (repeatable)")
	rie := flag.String("rie", "", "run each start under this Runtime Interface Emulator binary")
	warmTmp := flag.Bool("warm-tmp", false, "also time a start in the TMPDIR a first start left")
	flag.Parse()
	be := s3mem.New()
	be.CreateBucket("photos")
	s3srv := httptest.NewServer(gofakes3.New(be).Server())
	defer s3srv.Close()
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	for i, o := range objs {
		b, err := os.ReadFile(o)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		key := fmt.Sprintf("original/%d_%s", i, filepath.Base(o))
		client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(key), Body: bytes.NewReader(b)})
		objs[i] = key
	}
	a := &api{done: make(chan time.Time, 1)}
	apiSrv := httptest.NewServer(a)
	defer apiSrv.Close()
	mode := "stand-in Runtime API"
	if *rie != "" {
		mode = "Runtime Interface Emulator"
	}
	fmt.Printf("cold starts under the %s, medians of %d\n", mode, *runs)
	fmt.Printf("%-40s %-28s %12s", "binary", "object", "empty /tmp")
	if *warmTmp {
		fmt.Printf(" %14s", "/tmp as left")
	}
	fmt.Println()
	for _, bin := range flag.Args() {
		for _, key := range objs {
			var cold, warm []float64
			for r := 0; r < *runs; r++ {
				ev := fmt.Sprintf(`{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"photos"},"object":{"key":%q}}}]}`, key)
				tmp, err := os.MkdirTemp("", "lambdacold-tmp")
				if err != nil {
					fail(err)
				}
				env := []string{"AWS_ENDPOINT_URL_S3=" + s3srv.URL, "S3_USE_PATH_STYLE=true", "AWS_REGION=us-east-1",
					"AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
					"TMPDIR=" + tmp}
				start := func() float64 {
					if *rie != "" {
						return underEmulator(*rie, bin, env, ev)
					}
					return standIn(a, apiSrv.URL, bin, env, ev)
				}
				cold = append(cold, start())
				if *warmTmp {
					warm = append(warm, start())
				}
				os.RemoveAll(tmp)
			}
			fmt.Printf("%-40s %-28s %9.0f ms", filepath.Base(filepath.Dir(bin))+"/"+filepath.Base(bin), key, median(cold))
			if *warmTmp {
				fmt.Printf(" %11.0f ms", median(warm))
			}
			fmt.Println()
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func median(ms []float64) float64 {
	slices.Sort(ms)
	return ms[len(ms)/2]
}

// standIn starts bin against the stand-in Runtime API and returns the
// milliseconds from its start to its answer to ev.
func standIn(a *api, apiURL, bin string, env []string, ev string) float64 {
	a.mu.Lock()
	a.event = ev
	a.mu.Unlock()
	cmd := exec.Command(bin)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(apiURL, "http://"))
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	end := <-a.done
	cmd.Process.Kill()
	cmd.Wait()
	if end.IsZero() {
		os.Exit(1)
	}
	return float64(end.Sub(start).Microseconds()) / 1000
}

// underEmulator starts the Runtime Interface Emulator with bin as the
// function, invokes it with ev as soon as it listens (the emulator starts
// the function on the first invocation, as Lambda does on a cold start)
// and returns the milliseconds from the emulator's start to the answer.
func underEmulator(rie, bin string, env []string, ev string) float64 {
	addr := freeAddr()
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", freeAddr(), bin)
	cmd.Env = append(env, "PATH="+os.Getenv("PATH"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			fail(fmt.Errorf("the emulator did not listen on %s:\n%s", addr, logs.String()))
		}
	}
	resp, err := http.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", strings.NewReader(ev))
	if err != nil {
		fail(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ms := float64(time.Since(start).Microseconds()) / 1000
	if resp.StatusCode != http.StatusOK || strings.Contains(string(b), "errorMessage") {
		fail(fmt.Errorf("the function failed: %s\n%s", b, logs.String()))
	}
	return ms
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer l.Close()
	return l.Addr().String()
}
