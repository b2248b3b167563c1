// Command lambda is thumbdrop's resize function for AWS Lambda
// (runtime provided.al2023): a thin adapter that hands S3 event
// notifications, and S3 Batch Operations invocations (thumbdrop backfill),
// to the shared resize handler.
//
// Build: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc,nodynamic -o bootstrap ./lambda
package main

import (
	"context"
	"encoding/json"
	"errors"
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
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (any, error) {
		inv, err := resize.ParseInvocation(raw)
		if errors.Is(err, resize.ErrBadBatch) {
			log.Error("bad batch invocation", "err", err.Error())
			return nil, err // in the job's report
		}
		if err != nil {
			log.Error("bad event", "err", err.Error())
			return nil, nil // a malformed event is never going to parse: not retried
		}
		if inv.Batch != nil {
			// Every task is answered, its failures included: the
			// invocation itself succeeds.
			return h.HandleBatch(ctx, *inv.Batch), nil
		}
		return nil, h.HandleS3Event(ctx, *inv.S3)
	})
}
