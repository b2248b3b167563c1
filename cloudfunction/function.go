// Package cloudfunction is thumbdrop's resize function for Google Cloud
// Functions (2nd gen): the same handler as the Lambda, triggered by
// google.cloud.storage.object.v1.finalized CloudEvents, reading and
// writing Cloud Storage through cloud.google.com/go/storage (which honours
// STORAGE_EMULATOR_HOST). It is configured with the Lambda's environment
// variables (THUMB_MAX_SIZE, EXTRA_WIDTHS, WEBP, ...), and FUNCTION_MEMORY_MB
// for its decode budget.
//
// Deploy it with deploy/gcp; run it here with ./cmd/local.
package cloudfunction

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/thumbdrop/thumbdrop/resize"
)

// EntryPoint is the function's name for the Functions Framework and for
// 'gcloud functions deploy --entry-point'.
const EntryPoint = "Resize"

// FinalizedEvent is the CloudEvent type of a new object.
const FinalizedEvent = "google.cloud.storage.object.v1.finalized"

func init() {
	functions.CloudEvent(EntryPoint, Resize)
}

// objectData is what the handler reads of a StorageObjectData event
// (google.events.cloud.storage.v1; the full type's module is not used).
type objectData struct {
	Bucket string `json:"bucket"`
	Name   string `json:"name"`
}

// handler is built once per instance, on the first event: the storage
// client and the configuration live as long as the instance.
var handler = sync.OnceValues(func() (*resize.Handler, error) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := resize.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("bad configuration: %w", err)
	}
	if mb := resize.FunctionMemoryMB(os.Getenv); mb > 0 {
		debug.SetMemoryLimit(mb << 20 * 9 / 10)
	}
	store, err := newGCSStore(context.Background())
	if err != nil {
		return nil, err
	}
	return &resize.Handler{Store: store, Config: cfg, Log: log}, nil
})

// Resize handles one CloudEvent. It returns an error (so Eventarc
// delivers the event again) only for transient failures; objects outside
// the original prefix (the thumbnails it writes itself) are skipped,
// since Cloud Storage triggers cannot filter by prefix.
func Resize(ctx context.Context, e event.Event) error {
	if e.Type() != FinalizedEvent {
		return nil
	}
	var d objectData
	if err := json.Unmarshal(e.Data(), &d); err != nil || d.Bucket == "" || d.Name == "" {
		slog.Error("not a Cloud Storage object event", "id", e.ID(), "err", err)
		return nil // never going to parse: not retried
	}
	h, err := handler()
	if err != nil {
		return err
	}
	_, err = h.Resize(ctx, d.Bucket, d.Name)
	return err
}
