package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
)

// runSync: thumbdrop sync [--full] [--json] — the history reconciled with
// the bucket: objects put there elsewhere appear, objects gone are marked
// deleted.
func runSync(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("sync", "[--full] [--json]")
	full := fs.Bool("full", false, "list the whole bucket, finding deletions too (a sync does so by itself now and then)")
	asJSON := fs.Bool("json", false, "print what the sync did as JSON")
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("sync takes no arguments")
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	rep, err := syncNow(ctx, e, core, *full, !*asJSON)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		return enc.Encode(map[string]any{"full": rep.Full, "listed": rep.Listed, "new": rep.New, "deleted": rep.Deleted,
			"requests": rep.Requests, "elapsed_ms": rep.Elapsed.Milliseconds()})
	}
	kind := "incremental"
	if rep.Full {
		kind = "full"
	}
	reqs := "requests"
	if rep.Requests == 1 {
		reqs = "request"
	}
	fmt.Fprintf(e.Stdout, "synced with the bucket (%s pass): %d objects listed, %d new, %d marked deleted, in %s (%d %s)\n",
		kind, rep.Listed, rep.New, rep.Deleted, rep.Elapsed.Round(time.Millisecond), rep.Requests, reqs)
	return nil
}

// syncNow syncs, saying on stderr how far it got (at most every half
// second) where showProgress.
func syncNow(ctx context.Context, e Env, core *app.Core, full, showProgress bool) (app.SyncReport, error) {
	var last time.Time
	opt := app.SyncOptions{Full: full}
	if showProgress {
		opt.Progress = func(p app.SyncProgress) {
			if time.Since(last) < 500*time.Millisecond {
				return
			}
			last = time.Now()
			fmt.Fprintf(e.Stderr, "\rsyncing: %d objects listed, %d new, %d looked at", p.Listed, p.New, p.Looked)
		}
	}
	rep, err := core.Sync(ctx, opt)
	if showProgress && !last.IsZero() {
		fmt.Fprintln(e.Stderr)
	}
	return rep, err
}
