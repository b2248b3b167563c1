package app

import "github.com/thumbdrop/thumbdrop/app/internal/history"

// Statuses of an upload (the spec's JSON values).
const (
	StatusReady     = "ready"     // uploaded, thumbnail made
	StatusUploaded  = "uploaded"  // uploaded, thumbnail not waited for (or refused: Error says why)
	StatusDuplicate = "duplicate" // the same bytes were uploaded before: their links
	StatusFailed    = "failed"
	StatusTimeout   = "timeout" // uploaded, no thumbnail within the timeout
)

// Record is one upload, as the history keeps it and as `--json` prints
// it: one schema for every front end.
type Record = history.Record

// Variant is an extra copy of an upload (a srcset width, a WebP twin).
type Variant = history.Variant

// Prepared is what was done to an original before upload (made
// web-ready).
type Prepared = history.Prepared
