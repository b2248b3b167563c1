package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/thumbdrop/thumbdrop/app"
)

// runUpload: thumbdrop upload [flags] FILE|DIR...
func runUpload(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("upload", "[--json] [--format F] [--no-wait] [--timeout 60s] FILE|DIR...")
	asJSON := fs.Bool("json", false, "print one JSON object per file per line")
	format := fs.String("format", "", "url | thumb | markdown | html | bbcode | a template with "+app.TemplateVars())
	noWait := fs.Bool("no-wait", false, "do not wait for thumbnails")
	timeout := fs.Duration("timeout", 0, "how long to wait for each thumbnail (default: the thumb_timeout setting, 60s)")
	paths, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	timeoutSet, formatSet := false, false
	fs.Visit(func(f *flag.Flag) {
		timeoutSet = timeoutSet || f.Name == "timeout"
		formatSet = formatSet || f.Name == "format"
	})
	switch {
	case len(paths) == 0:
		return usagef("upload needs at least one image file or folder")
	case *asJSON && *format != "":
		return usagef("use either --json or --format, not both")
	case timeoutSet && *timeout <= 0:
		return usagef("--timeout must be longer than 0, like 60s or 5m")
	case formatSet && *format == "":
		return usagef("--format needs a format: url, thumb, markdown, html, bbcode or a template")
	}
	if *format == "" {
		*format = app.FormatURL
	}
	if err := app.CheckFormat(*format); err != nil {
		return usagef("--format: %v", err)
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()

	inputs := app.ExpandPaths(paths)
	files, _ := app.Split(inputs)
	ids := core.Add(app.AddOptions{NoWait: *noWait, Timeout: *timeout}, files...)
	waitErr := core.Wait(ctx, ids...)

	failed := 0
	enc := json.NewEncoder(e.Stdout)
	enc.SetEscapeHTML(false)
	next := 0
	for _, in := range inputs {
		if in.Err != nil { // refused before upload, reported in its place
			failed++
			fail(e, "%v", in.Err)
			if *asJSON {
				enc.Encode(app.Record{File: in.Path, Status: app.StatusFailed, Error: in.Err.Error(), Variants: []app.Variant{}})
			}
			continue
		}
		id := ids[next]
		next++
		j, _ := core.Job(id)
		r := j.Record
		switch {
		case j.State != app.Done:
			failed++
			msg := "canceled"
			if j.Err != nil {
				msg = j.Err.Error()
			}
			r.Status, r.Error = app.StatusFailed, msg
			fail(e, "%s", msg)
		case j.Err != nil:
			note(e, "%v", j.Err)
		}
		if *asJSON {
			out, err := core.Output(ctx, r, false)
			if err != nil {
				fail(e, "%s: %v", j.Name, err)
			}
			enc.Encode(out)
			continue
		}
		if r.Status == app.StatusFailed {
			continue
		}
		link, err := core.Link(ctx, *format, r)
		if err != nil {
			failed++
			fail(e, "%s: %v", j.Name, err)
			continue
		}
		fmt.Fprintln(e.Stdout, link)
	}
	if waitErr != nil {
		return waitErr
	}
	if failed > 0 {
		return errReported
	}
	return nil
}
