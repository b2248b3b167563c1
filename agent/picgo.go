package agent

import (
	"context"
	"crypto/subtle"
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
	maxListBody = 1 << 20   // a JSON list of paths, or of items to delete
	maxUpload   = 200 << 20 // files sent in a multipart form, in all
)

// picgo is the editors' upload API, PicGo-Server compatible (PicGo-Core
// 2.x's server and PicList's): what Typora's "PicGo" uploader, Obsidian's
// Image Auto Upload plugin and VS Code's PicGo and PicList extensions call.
//
//	POST /upload  {"list": ["/path/a.png", ...]}   uploads those files
//	POST /upload  a multipart form                 uploads the files sent, under any field name
//	POST /upload  (empty body, {} or an empty list) uploads the clipboard image
//	POST /delete  {"list": [<fullResult items>]}    deletes those uploads
//	GET  /heartbeat                                {"success": true, "result": "alive"}
//
// Uploads answer {"success": true, "result": ["<url>", ...], "fullResult":
// [{imgUrl, fileName, key, thumbUrl, width, height, type: "thumbdrop"}]}
// (the original's link in the configured link mode: its web copy for a
// HEIC or TIFF), or {"success": false, "message": "..."} with a status
// that says what went wrong (400 the request or its files, 401 no
// secret, 403 a web page, 413 too large, 502 the bucket, 500 the rest).
// With picgo_secret set, /upload and /delete need it (authorized). A
// request from a web page (it carries an Origin header) is refused, and
// only images are ever uploaded, sniffed from their bytes.
type picgo struct {
	core *app.Core
	log  *slog.Logger
}

// ItemType is the type of thumbdrop's fullResult items (PicGo's uploader
// name): /delete takes only these.
const ItemType = "thumbdrop"

type picgoAnswer struct {
	Success    bool       `json:"success"`
	Result     any        `json:"result,omitempty"`
	FullResult []fullItem `json:"fullResult,omitempty"`
	Message    string     `json:"message,omitempty"`
	Errors     []string   `json:"errors,omitempty"`
}

// fullItem is one upload as PicList-aware clients keep it, to delete it
// later through /delete.
type fullItem struct {
	ImgURL   string `json:"imgUrl"`
	FileName string `json:"fileName"`
	Key      string `json:"key"`
	ThumbURL string `json:"thumbUrl,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	Type     string `json:"type"`
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
	case (r.URL.Path == "/upload" || r.URL.Path == "/delete") && r.Method == http.MethodPost:
		if !p.authorized(w, r) {
			return
		}
		if r.URL.Path == "/upload" {
			p.upload(w, r)
		} else {
			p.delete(w, r)
		}
	case r.URL.Path == "/upload" || r.URL.Path == "/delete" || r.URL.Path == "/heartbeat":
		w.Header().Set("Allow", "POST")
		reply(w, http.StatusMethodNotAllowed, picgoAnswer{Message: "use POST"})
	default:
		reply(w, http.StatusNotFound, picgoAnswer{Message: "unknown path: the API has POST /upload, POST /delete and GET /heartbeat"})
	}
}

func reply(w http.ResponseWriter, status int, a picgoAnswer) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

// authorized lets the request through if no secret is set, or if it
// carries the secret (presented); otherwise it answers 401. A secret the
// keyring cannot give (locked, gone) refuses every request: an API that
// should need a secret never takes requests without it.
func (p *picgo) authorized(w http.ResponseWriter, r *http.Request) bool {
	if _, err := p.core.Reload(r.Context()); err != nil {
		reply(w, http.StatusInternalServerError, picgoAnswer{Message: err.Error()})
		return false
	}
	secret, on, err := p.core.PicGoSecret()
	switch {
	case err != nil:
		p.log.Error("the editors' API secret cannot be read: refusing requests", "err", err.Error())
		reply(w, http.StatusServiceUnavailable, picgoAnswer{Message: err.Error()})
		return false
	case !on:
		return true
	}
	if given := presented(r); given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(secret)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="thumbdrop"`)
	reply(w, http.StatusUnauthorized, picgoAnswer{Message: "Unauthorized: this API needs its secret (picgo_secret) as Authorization: Bearer SECRET, X-PicGo-Secret: SECRET, ?secret=SECRET or ?key=SECRET"})
	return false
}

// presented is the secret a request carries, where PicGo-Core 2.x looks
// for it, in its order (an Authorization header is the only one looked
// at when present: a wrong Bearer is not saved by a right X-PicGo-Secret),
// then where PicList looks (?key=).
func presented(r *http.Request) string {
	if h, ok := r.Header["Authorization"]; ok {
		f := strings.Fields(strings.Join(h, " "))
		if len(f) == 2 && strings.EqualFold(f[0], "Bearer") {
			return f[1]
		}
		return ""
	}
	if h, ok := r.Header["X-Picgo-Secret"]; ok {
		return strings.TrimSpace(strings.Join(h, ""))
	}
	q := r.URL.Query()
	if q.Has("secret") {
		return q.Get("secret")
	}
	return q.Get("key")
}

// errTooLarge: the files of a form are larger than maxUpload in all.
var errTooLarge = fmt.Errorf("the files sent are larger than %d MB in all", maxUpload>>20)

func (p *picgo) upload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
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
		if errors.Is(err, errTooLarge) {
			reply(w, http.StatusRequestEntityTooLarge, picgoAnswer{Message: err.Error()})
			return
		}
		if err != nil {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: err.Error()})
			return
		}
	default:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxListBody+1))
		if err != nil {
			reply(w, http.StatusBadRequest, picgoAnswer{Message: "the request body is unreadable"})
			return
		}
		if len(body) > maxListBody {
			reply(w, http.StatusRequestEntityTooLarge, picgoAnswer{Message: fmt.Sprintf("the request body is larger than %d MB", maxListBody>>20)})
			return
		}
		var req struct {
			List []string `json:"list"`
		}
		if strings.TrimSpace(string(body)) != "" {
			if err := json.Unmarshal(body, &req); err != nil {
				reply(w, http.StatusBadRequest, picgoAnswer{Message: `the body is not {"list": ["/path/to/image.png", ...]}`})
				return
			}
		}
		if len(req.List) == 0 {
			// No list, no files ({} and an empty list too, as PicGo-Core
			// takes them): the clipboard's image (Typora and Obsidian's
			// paste).
			p.clipboard(w, r)
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
			msg := err.Error()
			if !strings.HasSuffix(msg, "nothing uploaded") {
				msg += "; nothing uploaded"
			}
			reply(w, http.StatusBadRequest, picgoAnswer{Message: msg})
			return
		}
	}
	p.answer(w, p.run(ctx, paths, names))
}

// answer replies with an upload's outcome: every file's link, or, if any
// failed, success false (clients match links to files by position, so
// a partial list would put links on the wrong pictures).
func (p *picgo) answer(w http.ResponseWriter, o outcome) {
	if len(o.errs) > 0 {
		reply(w, o.status, picgoAnswer{Message: strings.Join(o.errs, "; "), Errors: o.errs})
		return
	}
	urls := make([]string, len(o.items))
	for i, it := range o.items {
		urls[i] = it.ImgURL
	}
	reply(w, http.StatusOK, picgoAnswer{Success: true, Result: urls, FullResult: o.items})
}

// clipboard uploads the image on the clipboard of the agent's desktop
// session.
func (p *picgo) clipboard(w http.ResponseWriter, r *http.Request) {
	data, err := clipimage.Read(r.Context(), os.Getenv)
	if errors.Is(err, clipimage.ErrNoClipboard) {
		// The agent, not the request, lacks the display: started from a
		// shell without one (ssh, a service), it stays so until restarted.
		reply(w, http.StatusServiceUnavailable, picgoAnswer{Message: err.Error() +
			" for the agent, which was started without a display: stop it with 'thumbdrop serve --stop' and start it from the desktop (the app, or 'thumbdrop serve --detach' in a desktop terminal)"})
		return
	}
	if err != nil {
		reply(w, http.StatusBadRequest, picgoAnswer{Message: err.Error()})
		return
	}
	id, err := p.core.AddBytes(data, "", app.AddOptions{})
	if err != nil {
		reply(w, http.StatusBadRequest, picgoAnswer{Message: err.Error()})
		return
	}
	p.answer(w, p.wait(r.Context(), []int{id}))
}

// outcome is what the uploads of a request came to: an item per file, or
// the failures and the status that says the worst of them.
type outcome struct {
	items  []fullItem
	errs   []string
	status int
}

func (o *outcome) fail(status int, msg string) {
	o.errs = append(o.errs, msg)
	if o.status == 0 || status > o.status {
		o.status = status
	}
}

// run uploads the files through the core and answers as soon as every
// file is uploaded (its link is known); waiting for thumbnails goes on in
// the background and updates the history.
func (p *picgo) run(ctx context.Context, paths, names []string) outcome {
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
func (p *picgo) wait(ctx context.Context, ids []int) outcome {
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

func (p *picgo) waitIDs(ctx context.Context, ids []int, ready chan struct{}) outcome {
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
			return outcome{errs: []string{"the request was canceled"}, status: http.StatusServiceUnavailable}
		}
	}
	var o outcome
	for _, id := range ids {
		j, _ := p.core.Job(id)
		if j.State == app.Failed || j.State == app.Canceled {
			if j.Err == nil {
				o.fail(http.StatusInternalServerError, j.Name+": canceled")
				continue
			}
			o.fail(statusOf(j.Err), j.Err.Error())
			continue
		}
		r := j.Record
		if j.State == app.Waiting && r.ThumbURL != "" {
			// Uploaded, its thumbnail on the way: the link it will have.
			r.Status = app.StatusReady
		}
		d, err := p.core.Links(context.WithoutCancel(ctx), r)
		if err != nil {
			o.fail(statusOf(err), err.Error())
			continue
		}
		o.items = append(o.items, fullItem{ImgURL: d.URL, FileName: r.Name(), Key: r.Key, ThumbURL: d.ThumbURL,
			Width: r.Width, Height: r.Height, Type: ItemType})
	}
	return o
}

// statusOf is the HTTP status that says what an upload's error was: the
// request's file (400), the bucket (502), or this side (500).
func statusOf(err error) int {
	var e *app.Error
	if !errors.As(err, &e) {
		return http.StatusInternalServerError
	}
	switch e.Kind {
	case app.KindCannotOpen, app.KindCannotRead, app.KindNotImage, app.KindEmpty, app.KindFolder, app.KindNotRegular,
		app.KindClipboard, app.KindChanged, app.KindNotOurs, app.KindOtherBucket, app.KindKeyTemplate:
		return http.StatusBadRequest
	case app.KindNotInBucket:
		return http.StatusNotFound
	case app.KindUploadFailed, app.KindNotConnected, app.KindDeleteFailed:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// delete deletes the uploads a client kept: {"list": [<fullResult
// items>]} (PicList's /delete), each named by its key, else its imgUrl
// (a bare key or link in the list is taken too). Items of other
// uploaders (another type) are refused. It answers {"success": true,
// "message": "deleted N"} when every one was deleted; otherwise success is
// false, so the client keeps the items it could not delete.
func (p *picgo) delete(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxListBody+1))
	if err != nil || len(body) > maxListBody {
		reply(w, http.StatusRequestEntityTooLarge, picgoAnswer{Message: fmt.Sprintf("the request body is unreadable or larger than %d MB", maxListBody>>20)})
		return
	}
	var req struct {
		List []json.RawMessage `json:"list"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		reply(w, http.StatusBadRequest, picgoAnswer{Message: `the body is not {"list": [<fullResult items>]}`})
		return
	}
	if len(req.List) == 0 {
		reply(w, http.StatusBadRequest, picgoAnswer{Message: "no file to delete: the list is empty"})
		return
	}
	var o outcome
	deleted := 0
	for i, raw := range req.List {
		ref, err := itemRef(raw)
		if err != nil {
			o.fail(http.StatusBadRequest, fmt.Sprintf("item %d: %v", i+1, err))
			continue
		}
		if _, err := p.core.Delete(r.Context(), ref); err != nil {
			o.fail(statusOf(err), err.Error())
			continue
		}
		deleted++
	}
	if len(o.errs) > 0 {
		msg := fmt.Sprintf("deleted %d of %d: %s", deleted, len(req.List), strings.Join(o.errs, "; "))
		reply(w, o.status, picgoAnswer{Message: msg, Errors: o.errs})
		return
	}
	reply(w, http.StatusOK, picgoAnswer{Success: true, Message: fmt.Sprintf("deleted %d", deleted)})
}

// itemRef is the key (or link) a /delete item names.
func itemRef(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s = strings.TrimSpace(s); s == "" {
			return "", errors.New("empty")
		}
		return s, nil
	}
	var it struct {
		Key    string `json:"key"`
		ImgURL string `json:"imgUrl"`
		Type   string `json:"type"`
	}
	if err := json.Unmarshal(raw, &it); err != nil {
		return "", errors.New("not a fullResult item")
	}
	if it.Type != "" && it.Type != ItemType {
		return "", fmt.Errorf("an upload of %q, not of thumbdrop", it.Type)
	}
	if it.Key != "" {
		return it.Key, nil
	}
	if it.ImgURL != "" {
		return it.ImgURL, nil
	}
	return "", errors.New("it has neither key nor imgUrl")
}

// saveForm writes the files of a multipart form into dir (streaming,
// within maxUpload in all) and returns their paths and names. Every part
// that is a file counts, whatever its field's name (Obsidian's Image Auto
// Upload sends "list", PicGo "files", vs-PicList "file").
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
		if !isFile(part) {
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
		return nil, nil, errors.New("the form has no files")
	}
	return paths, names, nil
}

// isFile: a form part that is a file rather than a field's value: it has
// a file name, or a type other than text.
func isFile(part *multipart.Part) bool {
	if part.FileName() != "" {
		return true
	}
	ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
	return ct != "" && !strings.HasPrefix(ct, "text/")
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
		return n, errTooLarge
	}
	return n, nil
}
