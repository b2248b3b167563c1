package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/app/internal/history"
	"github.com/thumbdrop/thumbdrop/app/internal/importer"
)

// Another uploader's gallery — PicGo's, PicList's, ShareX's, uPic's —
// imported into the history: each picture a record whose link is kept as
// that app made it, Source naming the app and Target "import:<app>"
// (ShowImported shows them). Nothing of them is in the bucket: their
// previews come from their links (previewWeb), and deleting one only
// forgets it. Importing the same file again changes nothing; an item
// edited in the app since is updated.

// ImportApp names an uploader whose gallery can be imported.
type ImportApp = importer.App

// The apps whose galleries can be imported.
const (
	ImportPicGo   = importer.PicGo
	ImportPicList = importer.PicList
	ImportShareX  = importer.ShareX
	ImportUPic    = importer.UPic
)

// ImportApps lists them, in the order front ends offer them.
func ImportApps() []ImportApp { return importer.Apps() }

// ImportProgress is how far an import got.
type ImportProgress struct {
	Read    int // items read from the file so far
	Total   int // pictures to write (0 while reading)
	Written int // of them, looked at and written
}

// ImportReport is what an import did.
type ImportReport struct {
	App  ImportApp
	File string
	// Format says which of the app's files it was, in English
	// ("SQLite History table (History.db)").
	Format string
	// Pictures are those the file holds with a link; of them, New were
	// not in the history, Updated were and have changed in the app since,
	// Unchanged were as they are.
	Pictures, New, Updated, Unchanged int
	// NoLink and NotImage are the items not imported: uploaded nowhere
	// (no http(s) link), or no picture (a text, a zip, a short link).
	NoLink, NotImage int
	Elapsed          time.Duration
}

// importPage records are compared and written at once.
const importPage = 500

// ImportTarget is the target of the records imported from app.
func ImportTarget(app ImportApp) string { return history.ImportPrefix + string(app) }

// Imported reports whether r came from another uploader's gallery, and
// from which.
func Imported(r Record) (ImportApp, bool) {
	app, ok := strings.CutPrefix(r.Target, history.ImportPrefix)
	return ImportApp(app), ok
}

// Import brings the gallery of app in the file at path into the history.
// progress, if set, is told how far it got. A file that is not such a
// gallery gives one *Error naming the file and what was expected, and
// nothing is written.
func (c *Core) Import(ctx context.Context, app ImportApp, path string, progress func(ImportProgress)) (ImportReport, error) {
	start := time.Now()
	rep := ImportReport{App: app, File: path}
	if !app.Valid() {
		return rep, &Error{Kind: KindImportApp, Value: string(app), Key: importAppList()}
	}
	tell := func(p ImportProgress) {
		if progress != nil {
			progress(p)
		}
	}
	g, err := importer.Read(ctx, app, path, func(n int) { tell(ImportProgress{Read: n}) })
	if err != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		return rep, importError(err)
	}
	rep.Format, rep.NoLink, rep.NotImage = string(g.Format), g.Skipped.NoLink, g.Skipped.NotImage
	// A file's own time stands for the items that have none (PicGo's
	// data.json): the same at every import of it.
	var fileTime time.Time
	if st, err := os.Stat(path); err == nil {
		fileTime = st.ModTime().UTC()
	}
	target := ImportTarget(app)
	recs, order := make(map[string]Record, len(g.Items)), make([]string, 0, len(g.Items))
	for _, it := range g.Items {
		if _, dup := recs[it.Key]; !dup { // one link twice in one gallery: one record
			order = append(order, it.Key)
		}
		recs[it.Key] = importRecord(app, target, it)
	}
	rep.Pictures = len(order)
	p := ImportProgress{Read: len(g.Items) + g.Skipped.Total(), Total: len(order)}
	tell(p)
	for len(order) > 0 {
		keys := order[:min(len(order), importPage)]
		order = order[len(keys):]
		have, err := c.hist.Records(ctx, target, keys)
		if err != nil {
			return rep, &Error{Kind: KindHistory, Err: err}
		}
		var put []Record
		for _, k := range keys {
			r := recs[k]
			old, found := have[k]
			if r.Time.IsZero() {
				r.Time = fileTime
				if found {
					r.Time = old.Time
				}
			}
			switch {
			case !found:
				rep.New++
			case sameImport(old, r):
				rep.Unchanged++
				continue
			default:
				rep.Updated++
			}
			put = append(put, r)
		}
		if len(put) > 0 {
			if err := c.hist.PutAll(ctx, put); err != nil {
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				return rep, &Error{Kind: KindHistory, Err: err}
			}
			c.notifyHistory()
		}
		p.Written += len(keys)
		tell(p)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// importRecord is the record of an item of app's gallery.
func importRecord(app ImportApp, target string, it importer.Item) Record {
	r := Record{Target: target, Key: it.Key, Source: string(app), URL: strings.TrimSpace(it.URL), ThumbURL: it.ThumbURL,
		File: it.Name, ContentType: it.ContentType, Bytes: it.Bytes, Width: it.Width, Height: it.Height, Time: it.Time,
		Status: StatusUploaded}
	if r.File == "" {
		r.File = it.Key
	}
	if r.ThumbURL != "" {
		r.Status = StatusReady
	}
	return r
}

// sameImport reports whether an import brings nothing new to old.
func sameImport(old, r Record) bool {
	return old.URL == r.URL && old.ThumbURL == r.ThumbURL && old.File == r.File && old.ContentType == r.ContentType &&
		old.Bytes == r.Bytes && old.Width == r.Width && old.Height == r.Height && old.Status == r.Status &&
		old.Source == r.Source && old.Time.UnixMilli() == r.Time.UnixMilli()
}

// forget removes an imported record from the history: its picture is
// not thumbdrop's to delete, and stays where the app put it.
func (c *Core) forget(ctx context.Context, r Record) error {
	if err := c.hist.Remove(ctx, r.Target, r.Key); err != nil {
		return &Error{Kind: KindHistory, Err: err}
	}
	c.notifyHistory()
	return nil
}

func importAppList() string {
	apps := ImportApps()
	var b strings.Builder
	for i, a := range apps {
		switch {
		case i == len(apps)-1:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(string(a))
	}
	return b.String()
}

// ImportFiles says which files of app an import reads, and where the app
// keeps them (a Fix: translated like the others).
func ImportFiles(app ImportApp) Fix { return importFixes[app] }

// ImportFolder is where app keeps its gallery on this computer, if that
// folder is there ("" if not): a file dialog opens in it. PicGo and
// PicList are Electron apps (their data in the user's config folder,
// ~/.config, ~/Library/Application Support, %APPDATA%); ShareX's personal
// folder is Documents\ShareX; uPic is sandboxed on macOS.
func ImportFolder(app ImportApp) string {
	home, _ := os.UserHomeDir()
	conf, _ := os.UserConfigDir()
	var dirs []string
	switch app {
	case ImportPicGo, ImportPicList:
		if conf != "" {
			dirs = append(dirs, filepath.Join(conf, string(app)))
		}
	case ImportShareX:
		dirs = append(dirs, filepath.Join(home, "Documents", "ShareX"))
	case ImportUPic:
		dirs = append(dirs, filepath.Join(home, "Library", "Containers", "com.svend.uPic.macos", "Data", "Library", "Caches", "com.svend.uPic.macos"),
			filepath.Join(home, "Library", "Caches", "com.svend.uPic.macos"))
	}
	for _, d := range dirs {
		if home == "" && !filepath.IsAbs(d) {
			continue
		}
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

// importFixes say what an import of each app expected.
var importFixes = map[ImportApp]Fix{
	ImportPicGo: FixImportPicGo, ImportPicList: FixImportPicList, ImportShareX: FixImportShareX, ImportUPic: FixImportUPic,
}

// importError is the importer's error as the core's.
func importError(err error) error {
	var e *importer.Error
	if !errors.As(err, &e) {
		return err
	}
	file := e.Path
	var cause error
	switch e.Problem {
	case importer.Unreadable:
		return &Error{Kind: KindCannotOpen, File: file, Err: osCause(e.Err)}
	case importer.IsFolder:
		return &Error{Kind: KindCannotOpen, File: file, Err: &Error{Kind: KindIsFolder}}
	case importer.OtherApp:
		return &Error{Kind: KindImportOtherApp, File: file, Value: e.Other.Name(), Key: e.App.Name()}
	case importer.Moved:
		return &Error{Kind: KindImportMoved, File: file, Value: e.App.Name()}
	case importer.Empty:
		cause = &Error{Kind: KindImportEmpty}
	case importer.Truncated:
		cause = &Error{Kind: KindImportCut}
	case importer.Damaged:
		cause = &Error{Kind: KindImportDamaged}
	case importer.BadJSON:
		cause = &Error{Kind: KindImportJSON, Value: e.Detail}
	case importer.NoList:
		cause = &Error{Kind: KindImportNoList, Key: e.Detail}
	case importer.NotGzip:
		cause = &Error{Kind: KindImportNotGzip}
	case importer.NotShareX:
		cause = &Error{Kind: KindImportNotDBOrJSON}
	case importer.NotSQLite:
		cause = &Error{Kind: KindImportNotSQLite}
	case importer.NoTable:
		cause = &Error{Kind: KindImportNoTable, Key: e.Detail}
	case importer.BadDB:
		cause = &Error{Kind: KindImportBadDB, Err: e.Err}
	default:
		cause = e
	}
	return &Error{Kind: KindImportFile, File: file, Value: e.App.Name(), Fix: importFixes[e.App], Err: cause}
}
