// Command lambda is thumbdrop's resize function for AWS Lambda
// (runtime provided.al2023): a thin adapter that hands S3 events to the
// shared resize handler.
//
// Build: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc,nodynamic -o bootstrap ./lambda
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/thumbdrop/thumbdrop/resize"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := resize.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Error("bad configuration", "err", err.Error())
		os.Exit(1)
	}
	client, err := resize.ClientFromEnv(context.Background(), os.Getenv)
	if err != nil {
		log.Error("no S3 client", "err", err.Error())
		os.Exit(1)
	}
	// Let the garbage collector work harder as the function nears its
	// memory, rather than the runtime kill it.
	if mb := resize.FunctionMemoryMB(os.Getenv); mb > 0 {
		debug.SetMemoryLimit(mb << 20 * 9 / 10)
	}
	h := &resize.Handler{Store: resize.S3Store{Client: client}, Config: cfg, Log: log}
	lambda.Start(func(ctx context.Context, raw json.RawMessage) error {
		ev, err := resize.ParseS3Event(raw)
		if err != nil {
			log.Error("bad event", "err", err.Error())
			return nil // a malformed event is never going to parse: not retried
		}
		return h.HandleS3Event(ctx, ev)
	})
}
