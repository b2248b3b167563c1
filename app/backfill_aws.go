package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/atomicfile"
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
	return atomicfile.WriteFile(p, b, 0o600)
}

// backfillOnAWS writes the manifest, creates the job and follows it.
func (c *Core) backfillOnAWS(ctx context.Context, s *session, rep *BackfillReport, opt BackfillOptions, prog *progress) error {
	bt, ok := s.raw.(batcher)
	if !ok {
		return &Error{Kind: KindBackfillNoBatch, Value: s.cfg.Target}
	}
	todo := rep.Plan.Todo()
	job, err := bt.StartBatch(ctx, storage.BatchSpec{RoleARN: opt.Role, FunctionARN: opt.Function, Keys: todo, Prefix: BackfillPrefix,
		Description: fmt.Sprintf("thumbdrop backfill: %d originals of %s", len(todo), s.b.Name())})
	if errors.Is(err, storage.ErrNoBatch) {
		return &Error{Kind: KindBackfillNoBatch, Value: s.cfg.Endpoint, Err: err}
	}
	if err != nil {
		return bucketErr(s.cfg, err)
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
	bt, ok := s.raw.(batcher)
	if !ok {
		return &Error{Kind: KindBackfillNoBatch, Value: s.cfg.Target}
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
			return bucketErr(s.cfg, err)
		}
		prog.say(BackfillProgress{Phase: PhaseJob, JobStatus: job.Status, Done: int(job.Succeeded + job.Failed), Total: int(job.Total), Failed: int(job.Failed)})
		if job.Done() {
			break
		}
		select {
		case <-ctx.Done():
			return &Error{Kind: KindBackfillStopped, Key: st.JobID, Err: ctx.Err()}
		case <-time.After(every):
		}
	}
	if job.Status != "Complete" {
		os.Remove(c.jobFile(s))
		return &Error{Kind: KindBackfillJobFailed, Key: job.ID, Value: strings.ToLower(job.Status), Err: errors.New(cmp.Or(job.Reason, "no reason given"))}
	}
	prog.say(BackfillProgress{Phase: PhaseReport})
	results, err := bt.BatchReport(ctx, job)
	if err != nil {
		return &Error{Kind: KindBackfillReport, Key: job.ID, Value: BackfillPrefix + "reports/", Err: bucketErr(s.cfg, err)}
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
func (c *Core) functionMismatch(ctx context.Context, s *session, results []storage.BatchTaskResult) error {
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
			return nil
		}
		if st, _ := staleness(s.cfg, r.Key, tk, info.Metadata); st != nil {
			return &Error{Kind: KindBackfillMismatch, Value: st.Why, Key: fmt.Sprintf("sam deploy --parameter-overrides ThumbMaxSize=%d ExtraWidths=%q WebP=%t",
				localResizeConfig(s.cfg).Thumbnail.MaxSize, s.cfg.ExtraWidths, s.cfg.WebP)}
		}
		return nil
	}
	return nil
}
