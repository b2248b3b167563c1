package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// batcher is a bucket on AWS that S3 Batch Operations can work on
// (storage.S3).
type batcher interface {
	StartBatch(ctx context.Context, spec storage.BatchSpec) (storage.BatchJob, error)
	DescribeBatch(ctx context.Context, account, id string) (storage.BatchJob, error)
	BatchReport(ctx context.Context, j storage.BatchJob) ([]storage.BatchTaskResult, error)
}

// jobState is a Batch Operations job a backfill started, kept in the data
// folder until its report is read: a run killed while following it
// follows it again rather than starting another.
type jobState struct {
	Bucket, JobID, Account string
	Started                time.Time
	Plan                   BackfillPlan
}

func (c *Core) jobFile(s *session) string {
	name := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(TargetID(s.cfg))
	return filepath.Join(c.opt.Dirs.Data, "backfill", name+".json")
}

func (c *Core) loadJob(s *session) (jobState, bool) {
	var st jobState
	b, err := os.ReadFile(c.jobFile(s))
	if err != nil || json.Unmarshal(b, &st) != nil || st.JobID == "" || st.Bucket != s.b.Name() {
		return jobState{}, false
	}
	return st, true
}

func (c *Core) saveJob(s *session, st jobState) error {
	p := c.jobFile(s)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// backfillOnAWS writes the manifest, creates the job and follows it.
func (c *Core) backfillOnAWS(ctx context.Context, s *session, rep *BackfillReport, opt BackfillOptions, prog *progress) error {
	bt, ok := s.b.(batcher)
	if !ok {
		return errors.New("this target has no S3 Batch Operations: run 'thumbdrop backfill --here'")
	}
	todo := rep.Plan.Todo()
	job, err := bt.StartBatch(ctx, storage.BatchSpec{RoleARN: opt.Role, FunctionARN: opt.Function, Keys: todo, Prefix: BackfillPrefix,
		Description: fmt.Sprintf("thumbdrop backfill: %d originals of %s", len(todo), s.b.Name())})
	if err != nil {
		return err
	}
	st := jobState{Bucket: s.b.Name(), JobID: job.ID, Account: job.Account, Started: time.Now(), Plan: rep.Plan}
	if err := c.saveJob(s, st); err != nil {
		c.log.Warn("the job is not remembered: a run killed now cannot follow it again", "job", job.ID, "err", err.Error())
	}
	rep.JobID = job.ID
	return c.followJob(ctx, s, rep, st, opt, prog)
}

// followJob asks the job how it goes until it is done, then reads its
// completion report.
func (c *Core) followJob(ctx context.Context, s *session, rep *BackfillReport, st jobState, opt BackfillOptions, prog *progress) error {
	bt, ok := s.b.(batcher)
	if !ok {
		return errors.New("this target has no S3 Batch Operations")
	}
	every := opt.PollInterval
	if every <= 0 {
		every = 5 * time.Second
	}
	var job storage.BatchJob
	for {
		var err error
		job, err = bt.DescribeBatch(ctx, st.Account, st.JobID)
		if err != nil {
			return err
		}
		prog.say(BackfillProgress{Phase: PhaseJob, JobStatus: job.Status, Done: int(job.Succeeded + job.Failed), Total: int(job.Total), Failed: int(job.Failed)})
		if job.Done() {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped following job %s, which goes on at AWS; run the same backfill again to follow it: %w", st.JobID, ctx.Err())
		case <-time.After(every):
		}
	}
	if job.Status != "Complete" {
		os.Remove(c.jobFile(s))
		return fmt.Errorf("S3 Batch Operations job %s %s: %s", job.ID, strings.ToLower(job.Status), job.Reason)
	}
	prog.say(BackfillProgress{Phase: PhaseReport})
	results, err := bt.BatchReport(ctx, job)
	if err != nil {
		return fmt.Errorf("job %s is complete but its report cannot be read (%w); it is under %s in the bucket", job.ID, err, BackfillPrefix+"reports/")
	}
	stale := map[string]StaleThumb{}
	for _, t := range st.Plan.Stale {
		stale[t.Original] = t
	}
	for _, r := range results {
		if !r.Succeeded {
			rep.Failed = append(rep.Failed, BackfillFailure{Key: r.Key, Reason: r.Message, Temporary: r.Code == resize.BatchTemporaryFailure})
			continue
		}
		rep.Made++
		if t, ok := stale[r.Key]; ok {
			rep.Rewritten = append(rep.Rewritten, t)
		}
	}
	os.Remove(c.jobFile(s))
	rep.Mismatch = c.functionMismatch(ctx, s, results)
	c.invalidate(ctx, s, rep, opt, prog)
	return nil
}

// functionMismatch says whether the deployed function made its
// thumbnails with other settings than thumbdrop's (then backfilling again
// would find them stale again): it is read from one thumbnail it made.
func (c *Core) functionMismatch(ctx context.Context, s *session, results []storage.BatchTaskResult) string {
	for _, r := range results {
		if !r.Succeeded {
			continue
		}
		tk, ok := ThumbKey(s.cfg, r.Key)
		if !ok {
			continue
		}
		info, err := s.b.Head(ctx, tk)
		if err != nil {
			return ""
		}
		if st, _ := staleness(s.cfg, r.Key, tk, info.Metadata); st != nil {
			return fmt.Sprintf("the deployed function makes thumbnails that do not match thumbdrop's settings (%s): redeploy with --parameter-overrides ThumbMaxSize=%d ExtraWidths=%q WebP=%t, or change the settings to match",
				st.Why, LocalResizeConfig(s.cfg).Thumbnail.MaxSize, s.cfg.ExtraWidths, s.cfg.WebP)
		}
		return ""
	}
	return ""
}
