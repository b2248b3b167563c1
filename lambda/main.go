// Command lambda is thumbdrop's resize function for AWS Lambda
// (runtime provided.al2023): a thin adapter that hands S3 events to the
// shared resize handler.
//
// Build: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./lambda
package main

import (
	"context"
	"log/slog"
	"os"

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
	h := &resize.Handler{Store: resize.S3Store{Client: client}, Config: cfg, Log: log}
	lambda.Start(h.HandleS3Event)
}
