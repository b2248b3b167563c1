// Package importer reads other uploaders' galleries — PicGo's and
// PicList's picgo.db/piclist.db and old data.json, ShareX's History.db and
// old History.json, uPic's uPic.db — as the files those apps write them.
// It keeps only what thumbdrop's history holds of each picture (its link,
// name, size, time) and decodes nothing else: PicList's copy of each
// host's configuration (keys and tokens) and ShareX's deletion links are
// skipped unread, never held.
//
// It never writes to the file it reads: an SQLite database is copied
// (with its write-ahead log) into a temporary folder and opened there.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"strings"
	"time"
)

// App is an uploader whose gallery can be imported.
type App string

// The apps.
const (
	PicGo   App = "picgo"
	PicList App = "piclist"
	ShareX  App = "sharex"
	UPic    App = "upic"
)

// Apps lists the apps, in the order front ends offer them.
func Apps() []App { return []App{PicGo, PicList, ShareX, UPic} }

// Name is the app's name as people write it.
func (a App) Name() string {
	switch a {
	case PicGo:
		return "PicGo"
	case PicList:
		return "PicList"
	case ShareX:
		return "ShareX"
	case UPic:
		return "uPic"
	}
	return string(a)
}

// Valid reports whether a names an app this package reads.
func (a App) Valid() bool {
	for _, b := range Apps() {
		if a == b {
			return true
		}
	}
	return false
}

// Item is one picture of a gallery: what thumbdrop keeps of it.
type Item struct {
	// Key is the app's own identity of the item, stable when the item is
	// edited there and across the app's own migrations (PicGo's id,
	// ShareX's time, uPic's link): importing again finds the same record.
	Key string
	// URL is the picture's link, as the app recorded it.
	URL string
	// ThumbURL is a thumbnail's link where the app recorded one (ShareX).
	ThumbURL string
	// Name is the picture's file name; File the path it was uploaded
	// from, where the app recorded it.
	Name, File string
	// Width and Height are the picture's (0: unknown).
	Width, Height int
	// Bytes is its size (0: unknown).
	Bytes       int64
	ContentType string
	// Time is when it was uploaded (zero: the app did not say).
	Time time.Time
}

// Format is which file of an app was read.
type Format string

// The formats.
const (
	FormatPicGoDB      Format = "gzip-compressed JSON gallery (picgo.db)"
	FormatPicGoJSON    Format = "data.json with an uploaded list"
	FormatShareXDB     Format = "SQLite History table (History.db)"
	FormatShareXJSON   Format = "History.json"
	FormatUPicDB       Format = "SQLite historyTable (uPic.db)"
	formatUnrecognized Format = ""
)

// Skipped counts the items of a gallery that are no picture with a link.
type Skipped struct {
	NoLink   int // uploaded nowhere (ShareX's saved screenshots), or no http(s) link
	NotImage int // a text, a shortened link, a file that is no picture
}

// Total is every item skipped.
func (s Skipped) Total() int { return s.NoLink + s.NotImage }

// Gallery is what a file holds.
type Gallery struct {
	Format  Format
	Items   []Item
	Skipped Skipped
}

// Read reads the gallery of app in the file at path. progress, if set, is
// told how many items were read so far (every few hundred). A file that
// is not such a gallery gives an *Error.
func Read(ctx context.Context, app App, path string, progress func(read int)) (Gallery, error) {
	if !app.Valid() {
		return Gallery{}, fmt.Errorf("importer: unknown app %q", app)
	}
	f, err := os.Open(path)
	if err != nil {
		return Gallery{}, &Error{Path: path, App: app, Problem: Unreadable, Err: err}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return Gallery{}, &Error{Path: path, App: app, Problem: IsFolder}
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Gallery{}, &Error{Path: path, App: app, Problem: Unreadable, Err: err}
	}
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Gallery{}, &Error{Path: path, App: app, Problem: Unreadable, Err: err}
	}
	r := &reader{ctx: ctx, app: app, path: path, progress: progress}
	kind := sniff(head)
	if kind == kindEmpty && app != ShareX { // ShareX's History.json is empty until its first item
		return Gallery{}, r.fail(Empty, "", nil)
	}
	switch app {
	case PicGo, PicList:
		switch kind {
		case kindGzip:
			err = r.picgoDB(f)
		case kindJSON, kindEmpty:
			err = r.picgoJSON(f)
		default:
			err = r.wrong(kind, NotGzip)
		}
	case ShareX:
		switch kind {
		case kindSQLite:
			err = r.sharexDB()
		case kindJSON, kindEmpty:
			err = r.sharexJSON(f)
		default:
			err = r.wrong(kind, NotShareX)
		}
	case UPic:
		if kind == kindSQLite {
			err = r.upicDB()
		} else {
			err = r.wrong(kind, NotSQLite)
		}
	}
	if err != nil {
		return Gallery{}, err
	}
	return r.g, nil
}

// reader collects the items of one file.
type reader struct {
	ctx      context.Context
	app      App
	path     string
	progress func(int)
	g        Gallery
	seen     int
	// shift is how many bytes the JSON decoder reads before the file's
	// own (offsets in errors are the file's).
	shift int64
}

// add keeps it, or counts it skipped.
func (r *reader) add(it Item, isImage bool) error {
	r.seen++
	if r.progress != nil && r.seen%500 == 0 {
		r.progress(r.seen)
		if err := r.ctx.Err(); err != nil {
			return err
		}
	}
	switch {
	case !isImage:
		r.g.Skipped.NotImage++
	case !webLink(it.URL) || it.Key == "":
		r.g.Skipped.NoLink++
	default:
		if !webLink(it.ThumbURL) {
			it.ThumbURL = ""
		}
		if it.ContentType == "" {
			it.ContentType = imageType(it.Name, it.URL)
		}
		r.g.Items = append(r.g.Items, it)
	}
	return nil
}

func (r *reader) fail(p Problem, detail string, err error) *Error {
	return &Error{Path: r.path, App: r.app, Problem: p, Detail: detail, Err: err}
}

// wrong is the error for a file of the wrong kind: another app's, where
// it looks like one, else p.
func (r *reader) wrong(kind fileKind, p Problem) error {
	other := App("")
	switch kind {
	case kindGzip:
		other = PicGo
	case kindSQLite:
		other = r.sqliteApp()
	}
	if other != "" && !(other == PicGo && (r.app == PicGo || r.app == PicList)) {
		return &Error{Path: r.path, App: r.app, Problem: OtherApp, Other: other}
	}
	return r.fail(p, "", nil)
}

// webLink reports whether u is an http(s) link.
func webLink(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// imageExts are the names of pictures: an item recorded as a file is
// taken for one by its name.
var imageExts = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
	".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff", ".heic": "image/heic", ".heif": "image/heif",
	".avif": "image/avif", ".svg": "image/svg+xml", ".ico": "image/x-icon",
}

// imageType is the type a picture's name or link says ("" if neither).
func imageType(name, link string) string {
	for _, s := range []string{name, linkPath(link)} {
		ext := strings.ToLower(path.Ext(s))
		if t, ok := imageExts[ext]; ok {
			return t
		}
		if t := mime.TypeByExtension(ext); strings.HasPrefix(t, "image/") {
			return t
		}
	}
	return ""
}

// linkPath is the path of a link, without its query.
func linkPath(link string) string {
	if i := strings.IndexAny(link, "?#"); i >= 0 {
		link = link[:i]
	}
	return link
}

// baseName is the last element of a path written with / or \.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// fileKind is what a file's first bytes say it is.
type fileKind int

const (
	kindOther fileKind = iota
	kindEmpty
	kindGzip
	kindSQLite
	kindJSON
)

// sniffLen bytes of a file say what it is.
const sniffLen = 16

func sniff(head []byte) fileKind {
	s := strings.TrimLeft(strings.TrimPrefix(string(head), "\ufeff"), " \t\r\n")
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return kindGzip
	case strings.HasPrefix(string(head), "SQLite format 3\x00"):
		return kindSQLite
	case s == "" && len(head) < sniffLen: // the whole file, blank
		return kindEmpty
	case s == "":
		return kindJSON // blank so far: the JSON reader decides
	case strings.HasPrefix(s, "{"), strings.HasPrefix(s, "["):
		return kindJSON
	}
	return kindOther
}
