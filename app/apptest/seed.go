package apptest

import (
	"context"

	"github.com/thumbdrop/thumbdrop/app/internal/history"
)

// Seed writes records straight into the history database of a data
// folder, in one transaction: a gallery of 100,000 uploads in a second.
func Seed(ctx context.Context, dataDir string, recs []history.Record) error {
	db, err := history.Open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PutAll(ctx, recs)
}
