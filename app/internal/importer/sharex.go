package importer

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
)

// ShareX keeps its history in History.db in its personal folder
// (Documents\ShareX; ShareX/Program.cs HistoryFileName), the SQLite table
// History of ShareX.HistoryLib/HistoryManagerSQLite.cs: Id, FileName,
// FilePath, DateTime (DateTime.ToString("o"): ISO 8601 with seven
// fractional digits and the local offset), Type (EDataType: Image, File,
// Text, URL), Host, URL, ThumbnailURL, DeletionURL, ShortenedURL, Tags
// (JSON). Before that it appended to History.json
// (HistoryManagerJSON.cs): each item an indented JSON object
// (JObject.ToString, nulls and defaults left out), objects separated by
// ",\r\n" with no brackets around them; ShareX reads it back as
// "[" + text + "]", and so does sharexJSON. When ShareX first runs with
// History.db it moves History.json's items into it (SettingManager.cs
// MigrateHistoryFile), times unchanged.
//
// An item's key is its time (to the tick) and file name: the same in
// both files, so importing History.json and then History.db adds nothing
// twice. DeletionURL — a link that deletes the picture, for whoever has
// it — and Tags (window titles) are not read.

// sharexItem names the fields of History.json read. Uploaded, Gallery
// and PicBed only say whether such a member is there (PicGo's data.json
// given as ShareX's history); their values are not kept.
type sharexItem struct {
	FileName     flexString `json:"FileName"`
	FilePath     flexString `json:"FilePath"`
	DateTime     flexString `json:"DateTime"`
	Type         flexString `json:"Type"`
	URL          flexString `json:"URL"`
	ThumbnailURL flexString `json:"ThumbnailURL"`
	Uploaded     present    `json:"uploaded"`
	Gallery      present    `json:"gallery"`
	PicBed       present    `json:"picBed"`
}

// present records that a member is there, keeping nothing of its value.
type present bool

func (p *present) UnmarshalJSON([]byte) error { *p = true; return nil }

func (r *reader) sharexJSON(f io.Reader) error {
	r.g.Format = FormatShareXJSON
	br := bufio.NewReader(f)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	r.shift = 1 // the "[" before the file's text
	dec := json.NewDecoder(io.MultiReader(strings.NewReader("["), br, strings.NewReader("]")))
	if _, err := dec.Token(); err != nil {
		return r.jsonErr(dec, err)
	}
	items, foreign := 0, 0
	for dec.More() {
		var s sharexItem
		if err := dec.Decode(&s); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return r.jsonErr(dec, err)
			}
			s = sharexItem{}
		}
		if s.Uploaded || s.Gallery || s.PicBed {
			return &Error{Path: r.path, App: r.app, Problem: OtherApp, Other: PicGo}
		}
		items++
		if s.DateTime == "" && s.FileName == "" && s.URL == "" {
			foreign++
			continue
		}
		if err := r.add(sharex(string(s.FileName), string(s.FilePath), string(s.DateTime), string(s.Type), string(s.URL), string(s.ThumbnailURL))); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return r.jsonErr(dec, err)
	}
	if items > 0 && foreign == items {
		return r.fail(NotShareX, "", nil)
	}
	return nil
}

func (r *reader) sharexDB() error {
	r.g.Format = FormatShareXDB
	db, done, err := r.openDB()
	if err != nil {
		return err
	}
	defer done()
	tabs, err := r.tables(db)
	if err != nil {
		return err
	}
	if err := r.need(tabs, "History", "FileName", "FilePath", "DateTime", "Type", "URL", "ThumbnailURL"); err != nil {
		return err
	}
	rows, err := db.QueryContext(r.ctx, `SELECT FileName, FilePath, DateTime, Type, URL, ThumbnailURL FROM History ORDER BY Id`)
	if err != nil {
		return r.dbErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, file, when, typ, link, thumb sql.NullString
		if err := rows.Scan(&name, &file, &when, &typ, &link, &thumb); err != nil {
			return r.dbErr(err)
		}
		if err := r.add(sharex(name.String, file.String, when.String, typ.String, link.String, thumb.String)); err != nil {
			return err
		}
	}
	return r.dbErr(rows.Err())
}

// sharex is the item of a ShareX history entry, and whether it is a
// picture: an Image, or a File by its name.
func sharex(name, file, when, typ, link, thumb string) (Item, bool) {
	t := sharexTime(when)
	it := Item{URL: link, ThumbURL: thumb, Name: name, File: file, Time: t}
	if it.Name == "" {
		it.Name = baseName(file)
	}
	switch {
	case !t.IsZero():
		it.Key = t.Format("2006-01-02T15:04:05.0000000Z") + " " + it.Name
	default:
		it.Key = link
	}
	image := typ == "Image" || (typ == "File" || typ == "") && imageType(it.Name, link) != ""
	return it, image
}

// sharexTime reads .NET's round-trip format ("o"): with an offset, with
// Z, or (a DateTime of unspecified kind) with neither, taken as UTC.
func sharexTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
