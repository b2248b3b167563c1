package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/thumbdrop/thumbdrop/app"
)

// runBackfill: thumbdrop backfill — the originals already in the bucket
// get the thumbnail and copies today's settings make: counted with
// --dry-run, made on this machine with --here, or by an S3 Batch
// Operations job on AWS (--role, --function).
func runBackfill(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("backfill", "[--dry-run] [--here [--workers N]] [--role ARN --function ARN] [--distribution ID] [--json]")
	dry := fs.Bool("dry-run", false, "only count what is missing or stale")
	here := fs.Bool("here", false, "resize on this machine, on every core (local mode, S3-compatible stores, keys without Batch Operations)")
	workers := fs.Int("workers", 0, "with --here, originals resized at once (default: one per core)")
	role := fs.String("role", "", "on AWS, the role S3 Batch Operations takes: the stack's BatchRoleArn output")
	function := fs.String("function", "", "on AWS, the resize function: the stack's FunctionArn output")
	dist := fs.String("distribution", "", "the CloudFront distribution to invalidate rewritten keys at (the stack's DistributionId; default: the one serving public_base_url)")
	poll := fs.Duration("poll", 5*time.Second, "on AWS, how often the job is asked how it goes")
	asJSON := fs.Bool("json", false, "print the outcome as one JSON object")
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return usagef("backfill takes no arguments; it works on the configured bucket ('thumbdrop config show')")
	case *workers < 0:
		return usagef("--workers %d: want a number of originals at once, at least 1", *workers)
	case *poll <= 0:
		return usagef("--poll %s: want a duration above 0, like 5s", *poll)
	case *here && (*role != "" || *function != ""):
		return usagef("--here resizes on this machine: --role and --function are for an S3 Batch Operations job on AWS")
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	bar := newProgressBar(e.Stderr)
	rep, err := core.Backfill(ctx, app.BackfillOptions{DryRun: *dry, Here: *here, Workers: *workers, Role: *role, Function: *function,
		Distribution: *dist, PollInterval: *poll, Progress: bar.show})
	bar.end()
	if *asJSON {
		printBackfillJSON(e.Stdout, rep, *dry, err)
	} else {
		printBackfill(e, rep, *dry, *here)
	}
	if err != nil {
		return err
	}
	if len(rep.Failed) > 0 {
		return errReported
	}
	return nil
}

// printBackfill says what was found and done, in sentences.
func printBackfill(e Env, rep app.BackfillReport, dry, here bool) {
	p := rep.Plan
	if p.Bucket == "" && rep.JobID == "" {
		return
	}
	w := e.Stdout
	if rep.Resumed {
		fmt.Fprintf(w, "followed S3 Batch Operations job %s, started by an earlier backfill\n", rep.JobID)
	}
	fmt.Fprintf(w, "%s: %d originals: %d up to date, %d to make", p.Bucket, p.Originals, p.UpToDate, len(p.Todo()))
	switch {
	case len(p.Missing) > 0 && len(p.Stale) > 0:
		fmt.Fprintf(w, " (%d without a thumbnail, %d whose thumbnail is made again)", len(p.Missing), len(p.Stale))
	case len(p.Stale) > 0:
		fmt.Fprintf(w, " (thumbnails made again)")
	case len(p.Missing) > 0:
		fmt.Fprintf(w, " (without a thumbnail)")
	}
	var extra []string
	if p.Refused > 0 {
		extra = append(extra, fmt.Sprintf("%d refused before, not tried again", p.Refused))
	}
	if p.Foreign > 0 {
		extra = append(extra, fmt.Sprintf("%d thumbnails made by another tool", p.Foreign))
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "; %s", strings.Join(extra, "; "))
	}
	fmt.Fprintln(w)
	if len(p.Stale) > 0 && dry {
		fmt.Fprintf(w, "to make again (their keys are replaced): %s\n", listStale(p.Stale, 5))
	}
	if dry {
		if n := len(p.Todo()); n > 0 {
			how := "with an S3 Batch Operations job: thumbdrop backfill --role <BatchRoleArn> --function <FunctionArn>"
			if here {
				how = "on this machine: thumbdrop backfill --here"
			}
			fmt.Fprintf(w, "dry run: nothing written; make the %d %s\n", n, how)
		}
		return
	}
	if len(p.Todo()) == 0 && rep.JobID == "" {
		fmt.Fprintln(w, "nothing to do")
		return
	}
	rate := ""
	if s := rep.Elapsed.Seconds(); s > 0 && rep.Made > 0 {
		rate = fmt.Sprintf(", %.1f/s", float64(rep.Made)/s)
	}
	where := "on this machine"
	if rep.JobID != "" {
		where = "by S3 Batch Operations job " + rep.JobID
	}
	fmt.Fprintf(w, "made %d thumbnails %s in %s%s", rep.Made, where, rep.Elapsed.Round(100*time.Millisecond), rate)
	if len(rep.Rewritten) > 0 {
		fmt.Fprintf(w, "; rewrote %d existing thumbnails: %s", len(rep.Rewritten), listStale(rep.Rewritten, 5))
	}
	fmt.Fprintln(w)
	if len(rep.InvalidatedPaths) > 0 {
		fmt.Fprintf(w, "invalidated %s at CloudFront distribution %s (invalidation %s; it takes a few minutes)\n",
			strings.Join(first(rep.InvalidatedPaths, 5), ", "), rep.Distribution, rep.Invalidation)
	}
	if rep.InvalidationErr != nil {
		note(e, "the rewritten thumbnails were not invalidated at the CDN, which may serve the old ones for up to a year: %v", rep.InvalidationErr)
	}
	if rep.Mismatch != nil {
		note(e, "%v", rep.Mismatch)
	}
	for i, f := range rep.Failed {
		if i == 20 {
			fail(e, "and %d more failed", len(rep.Failed)-i)
			break
		}
		again := ""
		if f.Temporary {
			again = " (temporary: run backfill again to try it again)"
		}
		fail(e, "%s: %s%s", f.Key, f.Reason, again)
	}
}

func listStale(st []app.StaleThumb, n int) string {
	var s []string
	for i, t := range st {
		if i == n {
			s = append(s, fmt.Sprintf("and %d more", len(st)-n))
			break
		}
		s = append(s, fmt.Sprintf("%s (%s)", t.Thumb, t.Why))
	}
	return strings.Join(s, ", ")
}

func first(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}

type backfillJSON struct {
	Bucket           string                `json:"bucket"`
	DryRun           bool                  `json:"dry_run"`
	Originals        int                   `json:"originals"`
	UpToDate         int                   `json:"up_to_date"`
	Missing          int                   `json:"missing"`
	Stale            []staleJSON           `json:"stale"`
	Refused          int                   `json:"refused"`
	Foreign          int                   `json:"foreign"`
	Made             int                   `json:"made"`
	Rewritten        []staleJSON           `json:"rewritten"`
	Failed           []app.BackfillFailure `json:"failed"`
	JobID            string                `json:"job_id,omitempty"`
	Resumed          bool                  `json:"resumed,omitempty"`
	Distribution     string                `json:"distribution,omitempty"`
	Invalidation     string                `json:"invalidation,omitempty"`
	InvalidatedPaths []string              `json:"invalidated_paths,omitempty"`
	Mismatch         string                `json:"mismatch,omitempty"`
	ElapsedMS        int64                 `json:"elapsed_ms"`
	Error            string                `json:"error,omitempty"`
}

type staleJSON struct {
	Original string `json:"original"`
	Thumb    string `json:"thumb"`
	Why      string `json:"why"`
}

func stales(st []app.StaleThumb) []staleJSON {
	out := []staleJSON{}
	for _, t := range st {
		out = append(out, staleJSON{t.Original, t.Thumb, t.Why})
	}
	return out
}

func printBackfillJSON(w io.Writer, rep app.BackfillReport, dry bool, err error) {
	p := rep.Plan
	j := backfillJSON{Bucket: p.Bucket, DryRun: dry, Originals: p.Originals, UpToDate: p.UpToDate, Missing: len(p.Missing), Stale: stales(p.Stale),
		Refused: p.Refused, Foreign: p.Foreign, Made: rep.Made, Rewritten: stales(rep.Rewritten), Failed: rep.Failed, JobID: rep.JobID,
		Resumed: rep.Resumed, Distribution: rep.Distribution, Invalidation: rep.Invalidation, InvalidatedPaths: rep.InvalidatedPaths,
		ElapsedMS: rep.Elapsed.Milliseconds()}
	if rep.Mismatch != nil {
		j.Mismatch = rep.Mismatch.Error()
	}
	if j.Failed == nil {
		j.Failed = []app.BackfillFailure{}
	}
	if err != nil {
		j.Error = err.Error()
	}
	json.NewEncoder(w).Encode(j)
}

// progressBar shows a backfill's progress on stderr: redrawn in place on
// a terminal, otherwise a line at each tenth (and each change of a job's
// status), so a log stays short.
type progressBar struct {
	w        io.Writer
	tty      bool
	phase    string
	started  time.Time
	drawn    time.Time
	lastTen  int
	lastJob  string
	lastLine string
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (b *progressBar) show(p app.BackfillProgress) {
	now := time.Now()
	fresh := p.Phase != b.phase
	if fresh {
		b.end()
		b.phase, b.started, b.lastTen, b.lastJob = p.Phase, now, -2, ""
	}
	line := b.line(p, now)
	if b.tty {
		if now.Sub(b.drawn) < 100*time.Millisecond && p.Done != p.Total {
			return
		}
		b.drawn = now
		fmt.Fprintf(b.w, "\r\033[K%s", line)
		b.lastLine = line
		return
	}
	ten := -1
	if p.Total > 0 {
		ten = p.Done * 10 / p.Total
	}
	switch {
	case p.Phase == app.PhaseJob && p.JobStatus+fmt.Sprint(ten) != b.lastJob:
		b.lastJob = p.JobStatus + fmt.Sprint(ten)
	case p.Phase != app.PhaseJob && (ten != b.lastTen || fresh):
		b.lastTen = ten
	default:
		return
	}
	if line != b.lastLine {
		fmt.Fprintln(b.w, line)
		b.lastLine = line
	}
}

func (b *progressBar) line(p app.BackfillProgress, now time.Time) string {
	switch p.Phase {
	case app.PhaseListing:
		return fmt.Sprintf("listing: %d objects", p.Done)
	case app.PhaseReport:
		return "reading the job's completion report"
	case app.PhaseInvalidate:
		return fmt.Sprintf("invalidating %d paths at the CDN", p.Total)
	}
	s := p.Phase
	if p.Phase == app.PhaseJob {
		s = "job " + p.JobStatus
	}
	if p.Total <= 0 {
		return s
	}
	const width = 30
	fill := p.Done * width / p.Total
	s = fmt.Sprintf("%-10s [%s%s] %d/%d %3d%%", s, strings.Repeat("#", fill), strings.Repeat(".", width-fill), p.Done, p.Total, p.Done*100/p.Total)
	if el := now.Sub(b.started).Seconds(); el > 0.5 && p.Done > 0 {
		rate := float64(p.Done) / el
		s += fmt.Sprintf(" %.1f/s", rate)
		if left := p.Total - p.Done; left > 0 {
			s += fmt.Sprintf(" ETA %s", time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second))
		}
	}
	if p.Failed > 0 {
		s += fmt.Sprintf(", %d failed", p.Failed)
	}
	return s
}

// end finishes the phase's line on a terminal.
func (b *progressBar) end() {
	if b.tty && b.lastLine != "" {
		fmt.Fprintln(b.w)
	}
	b.lastLine = ""
}
