package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sync"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/clipimage"
)

// uploadArgs are the upload command's arguments, with the default
// thumbnail wait.
var uploadArgs = "[--json] [--format F] [--no-wait] [--timeout " + app.DefaultConfig().ThumbTimeout.String() + "] [--clipboard] FILE|DIR..."

// runUpload: thumbdrop upload [flags] FILE|DIR...
func runUpload(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("upload", uploadArgs)
	asJSON := fs.Bool("json", false, "print one JSON object per file per line")
	format := fs.String("format", "", "url | thumb | markdown | html | bbcode | srcset | picture | a template with "+app.TemplateVars())
	noWait := fs.Bool("no-wait", false, "do not wait for thumbnails")
	fromClipboard := fs.Bool("clipboard", false, "upload the image on the clipboard (a screenshot), as clipboard-YYYYMMDD-HHMMSS.png")
	timeout := fs.Duration("timeout", 0, "how long to wait for each thumbnail (default: the thumb_timeout setting, "+app.DefaultConfig().ThumbTimeout.String()+")")
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
	case len(paths) == 0 && !*fromClipboard:
		return usagef("upload needs at least one image file or folder, or --clipboard")
	case *asJSON && *format != "":
		return usagef("use either --json or --format, not both")
	case timeoutSet && *timeout <= 0:
		return usagef("--timeout must be longer than 0, like 60s or 5m")
	case formatSet && *format == "":
		return usagef("--format needs a format: url, thumb, markdown, html, bbcode, srcset, picture or a template")
	}
	if *format == "" {
		*format = app.FormatURL
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()

	opt := app.AddOptions{NoWait: *noWait, Timeout: *timeout}
	var ids []int
	if *fromClipboard {
		data, err := clipimage.Read(ctx, e.Getenv)
		if err != nil {
			return err
		}
		id, err := core.AddBytes(data, "", opt)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	inputs := app.ExpandPaths(paths)
	files, _ := app.Split(inputs)
	// Say on stderr what holds an upload up (a server that stopped
	// answering, a retry), once per change.
	var notesMu sync.Mutex
	notes := map[int]string{}
	stop := core.Watch(func(ev app.Event) {
		if ev.Job == nil {
			return
		}
		n := ""
		if ev.Job.Note != nil {
			n = ev.Job.Note.Error()
		}
		notesMu.Lock()
		defer notesMu.Unlock()
		if n != notes[ev.Job.ID] {
			notes[ev.Job.ID] = n
			if n != "" {
				note(e, "%s: %s", ev.Job.Name, n)
			}
		}
	})
	ids = append(ids, core.Add(opt, files...)...)
	waitErr := core.Wait(ctx, ids...)
	stop()

	failed := 0
	enc := json.NewEncoder(e.Stdout)
	enc.SetEscapeHTML(false)
	next := 0
	if *fromClipboard {
		inputs = append([]app.Input{{Path: "(clipboard)"}}, inputs...)
	}
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
	agentNote(e, core)
	if waitErr != nil {
		return waitErr
	}
	if failed > 0 {
		return errReported
	}
	return nil
}
