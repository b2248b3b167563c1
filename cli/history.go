package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/thumbdrop/thumbdrop/app"
)

// runHistory: thumbdrop history [--json] [--format F] [FILTER]
func runHistory(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("history", "[--json] [--format F] [--sync] [FILTER]")
	asJSON := fs.Bool("json", false, "print one JSON object per upload, newest first")
	doSync := fs.Bool("sync", false, "sync with the bucket first (uploads from other machines and tools)")
	format := fs.String("format", "", "print one link per upload in this format")
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	if *asJSON && *format != "" {
		return usagef("use either --json or --format, not both")
	}
	if *format != "" {
		if err := checkFormat(*format); err != nil {
			return err
		}
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	if *doSync {
		if _, err := syncNow(ctx, e, core, false, true); err != nil {
			return err
		}
	}
	recs, err := core.History(ctx, strings.Join(rest, " "))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.Stdout)
	enc.SetEscapeHTML(false)
	for _, r := range recs {
		switch {
		case *asJSON:
			out, err := core.Output(ctx, r, true)
			if err != nil {
				return err
			}
			enc.Encode(out)
		case *format != "":
			link, err := core.Link(ctx, *format, r)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.Stdout, link)
		default:
			d, err := core.Links(ctx, r)
			if err != nil {
				return err
			}
			status, size := r.Status, app.HumanSize(r.Bytes)
			if _, ok := app.Imported(r); ok {
				status = "imported" // its app uploaded it; thumbdrop keeps its link
			}
			if r.Bytes == 0 {
				size = "—"
			}
			fmt.Fprintf(e.Stdout, "%s  %-9s %8s  %s\n", r.Time.Local().Format("2006-01-02 15:04"), status, size, d.URL)
		}
	}
	if len(recs) > 0 {
		agentNote(e, core)
	}
	return nil
}
