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
	"errors"
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

// finalizedEvent is the CloudEvent type of a new object.
const finalizedEvent = "google.cloud.storage.object.v1.finalized"

func init() {
	functions.CloudEvent(EntryPoint, Resize)
}

// objectData is what the handler reads of a StorageObjectData event
// (google.events.cloud.storage.v1; the full type's module is not used).
type objectData struct {
	Bucket string `json:"bucket"`
	Name   string `json:"name"`
}

// logger writes JSON lines to stdout, which Cloud Logging reads as
// structured entries.
var logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))

// instance is what lives as long as the function's instance: the handler,
// built on the first event that can build it.
var instance struct {
	mu sync.Mutex
	h  *resize.Handler
}

// errBadConfig: the function's environment variables are wrong; no event
// will succeed until it is deployed again, so none is retried.
type errBadConfig struct{ err error }

func (e errBadConfig) Error() string {
	return "bad configuration (fix the environment variables and deploy again): " + e.err.Error()
}

// handler builds the handler once. A bad configuration is an
// errBadConfig; a storage client that cannot be made now is a plain error
// (transient: the event is retried, the next one tries again).
func handler() (*resize.Handler, error) {
	instance.mu.Lock()
	defer instance.mu.Unlock()
	if instance.h != nil {
		return instance.h, nil
	}
	cfg, err := resize.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, errBadConfig{err}
	}
	if mb := resize.FunctionMemoryMB(os.Getenv); mb > 0 {
		debug.SetMemoryLimit(mb << 20 * 9 / 10)
	}
	store, err := newGCSStore(context.Background())
	if err != nil {
		return nil, fmt.Errorf("cannot make a Cloud Storage client: %w", err)
	}
	instance.h = &resize.Handler{Store: store, Config: cfg, Log: logger}
	return instance.h, nil
}

// Resize handles one CloudEvent. It returns an error (so Eventarc
// delivers the event again) only for transient failures; objects outside
// the original prefix (the thumbnails it writes itself) are skipped,
// since Cloud Storage triggers cannot filter by prefix.
func Resize(ctx context.Context, e event.Event) error {
	if e.Type() != finalizedEvent {
		return nil
	}
	var d objectData
	if err := json.Unmarshal(e.Data(), &d); err != nil || d.Bucket == "" || d.Name == "" {
		logger.Error("not a Cloud Storage object event", "id", e.ID(), "err", err)
		return nil // never going to parse: not retried
	}
	h, err := handler()
	var bad errBadConfig
	if errors.As(err, &bad) {
		logger.Error("no thumbnail (not retried)", "bucket", d.Bucket, "key", d.Name, "err", err.Error())
		return nil
	}
	if err != nil {
		logger.Error("no thumbnail yet (retried)", "bucket", d.Bucket, "key", d.Name, "err", err.Error())
		return err
	}
	_, err = h.Resize(ctx, d.Bucket, d.Name)
	return err
}
