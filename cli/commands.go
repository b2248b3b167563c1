package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/storage"
)

// session is what most commands need: dirs, config, history.
type session struct {
	dirs app.Dirs
	cfg  app.Config
	hist *app.History
	keys storage.Keyring
}

func openSession(e Env) (*session, error) {
	d, err := app.ResolveDirs(e.Getenv)
	if err != nil {
		return nil, err
	}
	c, err := app.LoadConfig(d)
	if err != nil {
		return nil, err
	}
	h, err := app.OpenHistory(d.Data)
	if err != nil {
		return nil, err
	}
	return &session{dirs: d, cfg: c, hist: h, keys: storage.Keyring{Service: e.Getenv("THUMBDROP_KEYRING_SERVICE")}}, nil
}

func (s *session) open(ctx context.Context) (*app.Target, error) {
	return app.OpenTarget(ctx, s.cfg, s.dirs, app.OpenOptions{Keyring: s.keys})
}

// recordJSON is the spec's per-file object.
type recordJSON struct {
	File        string `json:"file"`
	Key         string `json:"key"`
	URL         string `json:"url"`
	ThumbKey    string `json:"thumb_key"`
	ThumbURL    string `json:"thumb_url"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
	Status      string `json:"status"`
	Error       string `json:"error"`
	ElapsedMS   int64  `json:"elapsed_ms"`
	Time        string `json:"time,omitempty"`
}

func toJSON(r app.Record, d app.LinkData, withTime bool) recordJSON {
	j := recordJSON{File: r.File, Key: r.Key, URL: d.URL, ThumbKey: r.ThumbKey, ThumbURL: d.ThumbURL,
		ContentType: r.ContentType, Bytes: r.Bytes, SHA256: r.SHA256, Status: r.Status, Error: r.Error, ElapsedMS: r.ElapsedMS}
	if r.Status == app.StatusFailed {
		j.URL, j.ThumbURL = "", ""
	}
	if withTime {
		j.Time = r.Time.UTC().Format(time.RFC3339)
	}
	return j
}

// runUpload: thumbdrop upload [flags] FILE...
func runUpload(ctx context.Context, e Env, args []string) int {
	fs := newFlagSet("upload", "[--json] [--format F] [--no-wait] [--timeout 60s] FILE...")
	asJSON := fs.Bool("json", false, "print one JSON object per file per line")
	format := fs.String("format", "", "url | thumb | markdown | html | bbcode | custom | a template with {url} {thumb_url} {name} {key} {width} {height}")
	noWait := fs.Bool("no-wait", false, "do not wait for thumbnails")
	timeout := fs.Duration("timeout", 0, "how long to wait for each thumbnail (default: the thumb_timeout setting, 60s)")
	files, ok := parseFlags(fs, e, args)
	if !ok {
		return ExitUsage
	}
	if len(files) == 0 {
		fail(e, "upload needs at least one image file")
		return ExitUsage
	}
	if *asJSON && *format != "" {
		fail(e, "use either --json or --format, not both")
		return ExitUsage
	}
	s, err := openSession(e)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	if *format == "" && !*asJSON {
		*format = app.FormatURL
	}
	t, err := s.open(ctx)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	defer t.Close()
	if t.StartedServer() {
		fmt.Fprintf(e.Stderr, "%s: note: started the local server for this upload only; its links work while "+
			"'thumbdrop serve' or the app runs\n", programName)
	}
	svc := app.NewService(s.cfg, t, s.hist, app.ServiceOptions{NoWait: *noWait, ThumbTimeout: *timeout})
	defer svc.Close()
	ids := svc.Add(files...)
	if err := svc.Wait(ctx); err != nil {
		fail(e, "interrupted; uploads in progress were canceled")
		return ExitFailed
	}
	status := ExitOK
	enc := json.NewEncoder(e.Stdout)
	enc.SetEscapeHTML(false)
	for _, id := range ids {
		j, _ := svc.Job(id)
		r := j.Record
		if j.State != app.Done {
			status = ExitFailed
			msg := "canceled"
			if j.Err != nil {
				msg = j.Err.Error()
			}
			r.Status, r.Error = app.StatusFailed, msg
			fail(e, "%s", msg)
		} else if j.Err != nil {
			fmt.Fprintf(e.Stderr, "%s: note: %v\n", programName, j.Err)
		}
		d, err := svc.LinkData(ctx, r)
		if err != nil {
			fail(e, "%s: %v", r.File, err)
			status = ExitFailed
		}
		if *asJSON {
			enc.Encode(toJSON(r, d, false))
		} else if r.Status != app.StatusFailed {
			fmt.Fprintln(e.Stdout, app.Link(*format, d, s.cfg.CustomTemplate))
		}
	}
	return status
}

// runServe: thumbdrop serve [--addr 127.0.0.1:9000]
func runServe(ctx context.Context, e Env, args []string) int {
	fs := newFlagSet("serve", "[--addr 127.0.0.1:8586]")
	addr := fs.String("addr", "", "listen address (default: the local_addr setting, 127.0.0.1:8586)")
	if _, ok := parseFlags(fs, e, args); !ok {
		return ExitUsage
	}
	s, err := openSession(e)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	if *addr != "" {
		if err := s.cfg.Set("local_addr", *addr); err != nil {
			fail(e, "--addr %v", err)
			return ExitUsage
		}
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, nil))
	srv, err := app.StartLocalServer(s.cfg, s.dirs, log)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	defer srv.Close()
	fmt.Fprintf(e.Stdout, "thumbdrop local S3 endpoint on %s, bucket %q, data in %s\n", srv.URL(), srv.Bucket(), s.dirs.Data)
	fmt.Fprintf(e.Stdout, "objects under %s get thumbnails under %s; stop with Ctrl+C\n", s.cfg.OriginalPrefix, s.cfg.ThumbPrefix)
	<-ctx.Done()
	return ExitOK
}

// runLogin reads an access key id and secret from the terminal (secret
// not echoed) or as two lines on stdin, and stores them in the keyring.
func runLogin(ctx context.Context, e Env, args []string) int {
	fs := newFlagSet("login", "")
	if rest, ok := parseFlags(fs, e, args); !ok || len(rest) > 0 {
		fail(e, "login takes no arguments: keys are read from the prompt or stdin, never from the command line")
		return ExitUsage
	}
	s, err := openSession(e)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	var k storage.Keys
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.Stderr, "AWS access key id: ")
		line, _ := bufio.NewReader(f).ReadString('\n')
		k.AccessKeyID = strings.TrimSpace(line)
		fmt.Fprint(e.Stderr, "AWS secret access key (not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			fail(e, "cannot read the secret: %v", err)
			return ExitFailed
		}
		k.SecretAccessKey = strings.TrimSpace(string(b))
	} else {
		sc := bufio.NewScanner(io.LimitReader(e.Stdin, 64<<10))
		var lines []string
		for sc.Scan() && len(lines) < 2 {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) < 2 {
			fail(e, "login expects two lines on stdin: the access key id, then the secret access key")
			return ExitUsage
		}
		k.AccessKeyID, k.SecretAccessKey = lines[0], lines[1]
	}
	if err := s.keys.Save(k); err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	fmt.Fprintf(e.Stdout, "keys for %s stored in the OS keyring (service %q)\n", k.AccessKeyID, storage.KeyringService)
	if s.cfg.Target == app.TargetLocal {
		fmt.Fprintln(e.Stdout, "the target is still local; 'thumbdrop config set target s3' and set bucket and region to use them")
	}
	return ExitOK
}

func runLogout(ctx context.Context, e Env, args []string) int {
	s, err := openSession(e)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	if err := s.keys.Delete(); err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	fmt.Fprintln(e.Stdout, "keys removed from the OS keyring")
	return ExitOK
}

// runConfig: config show [--json] | config set KEY VALUE
func runConfig(ctx context.Context, e Env, args []string) int {
	if len(args) == 0 {
		fail(e, "usage: thumbdrop config show [--json] | config set KEY VALUE")
		return ExitUsage
	}
	s, err := openSession(e)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	switch args[0] {
	case "show":
		fs := newFlagSet("config show", "[--json]")
		asJSON := fs.Bool("json", false, "print JSON")
		if _, ok := parseFlags(fs, e, args[1:]); !ok {
			return ExitUsage
		}
		if *asJSON {
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			enc.Encode(s.cfg)
			return ExitOK
		}
		for _, f := range app.Fields() {
			fmt.Fprintf(e.Stdout, "%-16s %s\n", f.Key, f.Get(&s.cfg))
		}
		fmt.Fprintf(e.Stdout, "%-16s %s\n%-16s %s\n", "(config file)", s.dirs.ConfigFile(), "(data folder)", s.dirs.Data)
		return ExitOK
	case "set":
		if len(args) != 3 {
			fail(e, "usage: thumbdrop config set KEY VALUE")
			return ExitUsage
		}
		if strings.Contains(strings.ToLower(args[1]), "secret") {
			fail(e, "secrets are never stored in the config; use 'thumbdrop login'")
			return ExitUsage
		}
		if err := s.cfg.Set(args[1], args[2]); err != nil {
			fail(e, "%v", err)
			return ExitUsage
		}
		if err := app.SaveConfig(s.dirs, s.cfg); err != nil {
			fail(e, "%v", err)
			return ExitFailed
		}
		return ExitOK
	}
	fail(e, "unknown config action %q: use show or set", args[0])
	return ExitUsage
}

// runHistory: thumbdrop history [--json]
func runHistory(ctx context.Context, e Env, args []string) int {
	fs := newFlagSet("history", "[--json] [--format F] [FILTER]")
	asJSON := fs.Bool("json", false, "print one JSON object per upload, newest first")
	format := fs.String("format", "", "print one link per upload in this format")
	rest, ok := parseFlags(fs, e, args)
	if !ok {
		return ExitUsage
	}
	s, err := openSession(e)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	recs := s.hist.List(strings.Join(rest, " "))
	var b storage.Bucket
	if s.cfg.LinkMode == app.LinkPresigned && (*asJSON || *format != "") && len(recs) > 0 {
		t, err := s.open(ctx)
		if err != nil {
			fail(e, "%v", err)
			return ExitFailed
		}
		defer t.Close()
		b = t.Bucket
	}
	enc := json.NewEncoder(e.Stdout)
	enc.SetEscapeHTML(false)
	for _, r := range recs {
		d := app.LinkData{URL: r.URL, ThumbURL: r.ThumbURL, Name: r.Name(), Key: r.Key, Width: r.Width, Height: r.Height}
		if b != nil {
			if d, err = app.ResolveLinks(ctx, s.cfg, b, r); err != nil {
				fail(e, "%v", err)
				return ExitFailed
			}
		}
		switch {
		case *asJSON:
			enc.Encode(toJSON(r, d, true))
		case *format != "":
			fmt.Fprintln(e.Stdout, app.Link(*format, d, s.cfg.CustomTemplate))
		default:
			fmt.Fprintf(e.Stdout, "%s  %-9s %8s  %s\n", r.Time.Local().Format("2006-01-02 15:04"), r.Status, app.HumanSize(r.Bytes), r.URL)
		}
	}
	return ExitOK
}

// runDelete: thumbdrop delete KEY|URL
func runDelete(ctx context.Context, e Env, args []string) int {
	fs := newFlagSet("delete", "KEY|URL...")
	targets, ok := parseFlags(fs, e, args)
	if !ok {
		return ExitUsage
	}
	if len(targets) == 0 {
		fail(e, "delete needs the key or URL of an upload")
		return ExitUsage
	}
	s, err := openSession(e)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	t, err := s.open(ctx)
	if err != nil {
		fail(e, "%v", err)
		return ExitFailed
	}
	defer t.Close()
	status := ExitOK
	for _, arg := range targets {
		key, ok := storage.KeyFromURL(arg, t.Bucket.Name())
		if !ok {
			fail(e, "%s is not a key or link of this bucket", arg)
			status = ExitFailed
			continue
		}
		if tk, isThumb := strings.CutPrefix(key, s.cfg.ThumbPrefix); isThumb {
			key = s.cfg.OriginalPrefix + tk // a thumbnail link names the same upload
		}
		thumbKey, ok := app.ThumbKey(s.cfg, key)
		if !ok {
			fail(e, "%s is not under %s: thumbdrop deletes only its own uploads", key, s.cfg.OriginalPrefix)
			status = ExitFailed
			continue
		}
		if _, err := t.Bucket.Head(ctx, key); errors.Is(err, storage.ErrNotFound) {
			fail(e, "%s does not exist in bucket %s", key, t.Bucket.Name())
			s.hist.Remove(t.ID, key)
			status = ExitFailed
			continue
		}
		if err := t.Bucket.Delete(ctx, key, thumbKey); err != nil {
			fail(e, "%v", err)
			status = ExitFailed
			continue
		}
		if err := s.hist.Remove(t.ID, key); err != nil {
			fail(e, "%v", err)
			status = ExitFailed
		}
		fmt.Fprintf(e.Stdout, "deleted %s and %s\n", key, thumbKey)
	}
	return status
}
