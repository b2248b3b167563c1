package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/clipimage"
)

// Limits of the editors' API.
const (
	maxListBody = 1 << 20   // a JSON list of paths
	maxUpload   = 200 << 20 // files sent in a multipart form, in all
)

// picgo is the editors' upload API, PicGo-Server compatible: what Typora's
// "PicGo" uploader, Obsidian's Image Auto Upload plugin and VS Code's PicGo
// extensions call.
//
//	POST /upload  {"list": ["/path/a.png", ...]}   uploads those files
//	POST /upload  multipart form ("list", "files")   uploads the files sent
//	POST /upload  (empty body)                     uploads the clipboard image
//	GET  /heartbeat                                {"success": true, "result": "alive"}
//
// Answers are {"success": true, "result": ["<url>", ...]} (the original's
// link in the configured link mode) or {"success": false, "message": "..."}.
// A request from a web page (it carries an Origin header) is refused, and
// only images are ever uploaded, sniffed from their bytes.
type picgo struct {
	core *app.Core
	log  *slog.Logger
}

type picgoAnswer struct {
	Success bool     `json:"success"`
	Result  any      `json:"result,omitempty"`
	Message string   `json:"message,omitempty"`
	Errors  []string `json:"errors,omitempty"`
}

func (p *picgo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Editors send no Origin; browsers always do on POST, and on any
	// cross-origin request. No CORS headers are ever sent, so even a
	// refused answer cannot be read by a page.
	if r.Header.Get("Origin") != "" {
		reply(w, http.StatusForbidden, picgoAnswer{Message: "requests from web pages are refused: the editors' upload API is for programs on this computer"})
		return
	}
	switch {
	case r.URL.Path == "/heartbeat" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		reply(w, http.StatusOK, picgoAnswer{Success: true, Result: "alive"})
	case r.URL.Path == "/upload" && r.Method == http.MethodPost:
		p.upload(w, r)
	case r.URL.Path == "/upload" || r.URL.Path == "/heartbeat":
		w.Header().Set("Allow", "POST")
		reply(w, http.StatusMethodNotAllowed, picgoAnswer{Message: "use POST"})
	default:
		reply(w, http.StatusNotFound, picgoAnswer{Message: "unknown path: the API has POST /upload and GET /heartbeat"})
	}
}

func reply(w http.ResponseWriter, status int, a picgoAnswer) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

func (p *picgo) upload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if _, err := p.core.Reload(ctx); err != nil {
		reply(w, http.StatusInternalServerError, picgoAnswer{Message: err.Error()})
		return
	}
	var paths []string
	var names []string // upload names of files sent in a form
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		dir, err := os.MkdirTemp("", "thumbdrop-picgo-*")
		if err != nil {
			reply(w, http.StatusInternalServerError, picgoAnswer{Message: err.Error()})
			return
		}
		defer os.RemoveAll(dir)
		paths, names, err = saveForm(r, dir)
		if err != nil {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: err.Error()})
			return
		}
	default:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxListBody+1))
		if err != nil || len(body) > maxListBody {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: "the request body is too large or unreadable"})
			return
		}
		if strings.TrimSpace(string(body)) == "" {
			// No list, no files: PicGo uploads the clipboard's image
			// (Typora and Obsidian's paste).
			p.clipboard(w, r)
			return
		}
		var req struct {
			List []string `json:"list"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: `the body is not {"list": ["/path/to/image.png", ...]}`})
			return
		}
		if len(req.List) == 0 {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: "the list of files is empty"})
			return
		}
		paths = req.List
	}
	// Only images, sniffed from their bytes, are ever uploaded: a request
	// naming any other file uploads nothing at all.
	for _, pth := range paths {
		if !filepath.IsAbs(pth) {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: fmt.Sprintf("%s is not an absolute path", pth)})
			return
		}
		if err := app.Sniff(pth); err != nil {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: err.Error() + "; nothing uploaded"})
			return
		}
	}
	urls, errs := p.run(ctx, paths, names)
	if len(errs) > 0 {
		reply(w, http.StatusOK, picgoAnswer{Message: strings.Join(errs, "; "), Errors: errs})
		return
	}
	reply(w, http.StatusOK, picgoAnswer{Success: true, Result: urls})
}

// clipboard uploads the image on the clipboard of the agent's desktop
// session.
func (p *picgo) clipboard(w http.ResponseWriter, r *http.Request) {
	data, err := clipimage.Read(r.Context(), os.Getenv)
	if err != nil {
		reply(w, http.StatusBadRequest, picgoAnswer{Message: err.Error()})
		return
	}
	id, err := p.core.AddBytes(data, "", app.AddOptions{})
	if err != nil {
		reply(w, http.StatusBadRequest, picgoAnswer{Message: err.Error()})
		return
	}
	urls, errs := p.wait(r.Context(), []int{id})
	if len(errs) > 0 {
		reply(w, http.StatusOK, picgoAnswer{Message: strings.Join(errs, "; "), Errors: errs})
		return
	}
	reply(w, http.StatusOK, picgoAnswer{Success: true, Result: urls})
}

// run uploads the files through the core and answers as soon as every
// file is uploaded (its link is known); waiting for thumbnails goes on in
// the background and updates the history.
func (p *picgo) run(ctx context.Context, paths, names []string) ([]string, []string) {
	ids := make([]int, len(paths))
	for i, pth := range paths {
		opt := app.AddOptions{}
		if names != nil {
			opt.Name = names[i]
		}
		ids[i] = p.core.Add(opt, pth)[0]
	}
	return p.wait(ctx, ids)
}

// wait answers once jobs ids are uploaded (see run). A change before the
// watch begins is not missed: waitIDs looks at every job before it sleeps.
func (p *picgo) wait(ctx context.Context, ids []int) ([]string, []string) {
	ready := make(chan struct{}, 1)
	stop := p.core.Watch(func(e app.Event) {
		if e.Job != nil {
			select {
			case ready <- struct{}{}:
			default:
			}
		}
	})
	defer stop()
	return p.waitIDs(ctx, ids, ready)
}

func (p *picgo) waitIDs(ctx context.Context, ids []int, ready chan struct{}) ([]string, []string) {
	uploaded := func(j app.Job) bool { return j.State.Terminal() || j.State == app.Waiting }
	for {
		done := true
		for _, id := range ids {
			j, _ := p.core.Job(id)
			done = done && uploaded(j)
		}
		if done {
			break
		}
		select {
		case <-ready:
		case <-ctx.Done():
			for _, id := range ids {
				p.core.Cancel(id)
			}
			return nil, []string{"the request was canceled"}
		}
	}
	var urls, errs []string
	for _, id := range ids {
		j, _ := p.core.Job(id)
		if j.State == app.Failed || j.State == app.Canceled {
			msg := "canceled"
			if j.Err != nil {
				msg = j.Err.Error()
			}
			errs = append(errs, msg)
			continue
		}
		d, err := p.core.Links(context.WithoutCancel(ctx), j.Record)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		urls = append(urls, d.URL)
	}
	return urls, errs
}

// saveForm writes the files of a multipart form's "files" field into dir
// (streaming, within maxUpload in all) and returns their paths and names.
func saveForm(r *http.Request, dir string) (paths, names []string, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, fmt.Errorf("unreadable form: %w", err)
	}
	left := int64(maxUpload)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("unreadable form: %w", err)
		}
		// Obsidian's Image Auto Upload (remote mode) names the field
		// "list"; PicList and others "files" or "file".
		if n := part.FormName(); n != "list" && n != "files" && n != "file" {
			part.Close()
			continue
		}
		name := app.CleanName(part.FileName())
		if name == "" {
			name = "image"
		}
		// Each file under its own name (in a folder of its own), so
		// that a refusal names the file the editor sent.
		sub := filepath.Join(dir, fmt.Sprintf("%d", len(paths)))
		if err := os.Mkdir(sub, 0o700); err != nil {
			part.Close()
			return nil, nil, err
		}
		p := filepath.Join(sub, name)
		n, err := saveStream(p, part, left)
		part.Close()
		if err != nil {
			return nil, nil, err
		}
		left -= n
		paths, names = append(paths, p), append(names, name)
	}
	if len(paths) == 0 {
		return nil, nil, errors.New(`the form has no "list" or "files" field with files`)
	}
	return paths, names, nil
}

func saveStream(p string, part *multipart.Part, limit int64) (int64, error) {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(part, limit+1))
	if err != nil {
		return n, fmt.Errorf("unreadable form: %w", err)
	}
	if n > limit {
		return n, fmt.Errorf("the files sent are larger than %d MB in all", maxUpload>>20)
	}
	return n, nil
}
