// Command lambdacold measures the cold start of Lambda function binaries:
// for each, it starts the binary as Lambda would (AWS_LAMBDA_RUNTIME_API
// pointing at a stand-in of the Runtime API here, S3 an in-memory server),
// hands it one S3 event, and times process start to the function's answer.
// Medians of -runs starts per binary and per object.
//
// usage: go run ./bench/lambdacold -runs 7 -obj photo.jpg -obj photo.heic BOOTSTRAP...
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
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
	fmt.Printf("%-40s %-28s %10s\n", "binary", "object", "cold start")
	for _, bin := range flag.Args() {
		for _, key := range objs {
			var ms []float64
			for r := 0; r < *runs; r++ {
				a.mu.Lock()
				a.event = fmt.Sprintf(`{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"photos"},"object":{"key":%q}}}]}`, key)
				a.mu.Unlock()
				cmd := exec.Command(bin)
				cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(apiSrv.URL, "http://"),
					"AWS_ENDPOINT_URL_S3=" + s3srv.URL, "S3_USE_PATH_STYLE=true", "AWS_REGION=us-east-1",
					"AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512"}
				start := time.Now()
				if err := cmd.Start(); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				end := <-a.done
				cmd.Process.Kill()
				cmd.Wait()
				if end.IsZero() {
					os.Exit(1)
				}
				ms = append(ms, float64(end.Sub(start).Microseconds())/1000)
			}
			slices.Sort(ms)
			fmt.Printf("%-40s %-28s %8.0f ms\n", filepath.Base(filepath.Dir(bin))+"/"+filepath.Base(bin), key, ms[len(ms)/2])
		}
	}
}
