package importer

import (
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// PicGo 2.x and PicList keep their gallery in picgo.db / piclist.db,
// written by @picgo/store's DBStore (collection "gallery", in PicGo's
// src/main/apis/core/datastore/index.ts and PicList's): the JSON
// {"gallery": [item...], "__gallery_KEY__": {id: 1...}}, gzip-compressed
// (fflate). Each item is PicGo's ImgInfo (src/universal/types/types.d.ts):
// fileName, width, height, extname, imgUrl (url for a file that is no
// picture), type (the host), id (a UUID the store gives it), createdAt and
// updatedAt (Date.now()). PicList adds filePath, mimeType, hash, shortUrl
// and config: the host's whole configuration, keys and tokens included
// (src/main/apis/app/uploader/index.ts sets item.config from
// picBed.<type>). picgoItem names the fields read; every other one, config
// first, is skipped by the decoder and never kept.
//
// Before 2.3, PicGo kept the list as "uploaded" in its config file
// data.json (plain JSON, beside the hosts' configuration: picBed, also
// never read here); 2.3 moved it into picgo.db, keeping each id
// (src/main/migrate/index.ts), and left "uploaded": [] and
// "__migrateUploaded": true.
type picgoItem struct {
	ID        flexString `json:"id"`
	ImgURL    flexString `json:"imgUrl"`
	URL       flexString `json:"url"`
	FileName  flexString `json:"fileName"`
	FilePath  flexString `json:"filePath"`
	Extname   flexString `json:"extname"`
	MimeType  flexString `json:"mimeType"`
	Width     flexNum    `json:"width"`
	Height    flexNum    `json:"height"`
	CreatedAt flexTime   `json:"createdAt"`
}

func (r *reader) picgoDB(f io.Reader) error {
	r.g.Format = FormatPicGoDB
	gz, err := gzip.NewReader(f)
	if err != nil {
		return r.gzipErr(err)
	}
	found, _, err := r.walk(gz, "gallery", false)
	if err != nil {
		return err
	}
	// The rest, to the gzip trailer: its checksum says the whole file was
	// read as it was written.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return r.gzipErr(err)
	}
	if !found {
		return r.fail(NoList, "gallery", nil)
	}
	return nil
}

func (r *reader) picgoJSON(f io.Reader) error {
	r.g.Format = FormatPicGoJSON
	found, migrated, err := r.walk(f, "uploaded", true)
	if err != nil {
		return err
	}
	if !found {
		return r.fail(NoList, "uploaded", nil)
	}
	if migrated && len(r.g.Items) == 0 && r.g.Skipped.Total() == 0 {
		return r.fail(Moved, "", nil)
	}
	return nil
}

// walk reads the top-level object of a PicGo file, decoding the items of
// list and skipping every other member. It reports whether the list was
// there, and (data.json) whether PicGo moved it to picgo.db.
func (r *reader) walk(in io.Reader, list string, config bool) (found, migrated bool, err error) {
	dec := json.NewDecoder(in)
	t, err := dec.Token()
	if err != nil {
		return false, false, r.jsonErr(dec, err)
	}
	if t != json.Delim('{') {
		return false, false, r.fail(NoList, list, nil)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false, false, r.jsonErr(dec, err)
		}
		key, _ := t.(string)
		switch {
		case key == list:
			ok, err := r.items(dec)
			if err != nil {
				return false, false, err
			}
			found = found || ok
		case config && key == "__migrateUploaded":
			var v any
			if err := dec.Decode(&v); err != nil {
				return false, false, r.jsonErr(dec, err)
			}
			migrated = v == true
		default:
			if err := skipValue(dec); err != nil {
				return false, false, r.jsonErr(dec, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return false, false, r.jsonErr(dec, err)
	}
	return found, migrated, nil
}

// items decodes a list of items, one at a time. It reports false for a
// value that is no list.
func (r *reader) items(dec *json.Decoder) (bool, error) {
	t, err := dec.Token()
	if err != nil {
		return false, r.jsonErr(dec, err)
	}
	if t != json.Delim('[') {
		if d, ok := t.(json.Delim); ok && d == '{' {
			return false, r.jsonErr(dec, skipRest(dec, 1))
		}
		return false, nil
	}
	for dec.More() {
		var it picgoItem
		if err := dec.Decode(&it); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return false, r.jsonErr(dec, err)
			}
			it = picgoItem{} // an item that is no object: skipped below
		}
		if err := r.add(it.item()); err != nil {
			return false, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return false, r.jsonErr(dec, err)
	}
	return true, nil
}

// item is what thumbdrop keeps of it, and whether it is a picture.
func (p picgoItem) item() (Item, bool) {
	name := string(p.FileName)
	it := Item{Key: string(p.ID), URL: string(p.ImgURL), Name: name, File: string(p.FilePath),
		Width: p.Width.int(), Height: p.Height.int(), ContentType: string(p.MimeType), Time: time.Time(p.CreatedAt)}
	if !strings.HasPrefix(it.ContentType, "image/") {
		it.ContentType = ""
	}
	image := true                    // without any link: counted as such
	if it.URL == "" && p.URL != "" { // a file: a picture only by its name
		it.URL = string(p.URL)
		image = imageType(name+string(p.Extname), "") != "" || imageType(name, it.URL) != ""
	}
	if it.Key == "" { // an item PicGo's store never saw: its link is all there is
		it.Key = it.URL
	}
	if it.Name == "" {
		it.Name = baseName(linkPath(it.URL))
	}
	return it, image
}

// skipValue skips the next value, reading its tokens: nothing of it is
// decoded or kept.
func skipValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
		return skipRest(dec, 1)
	}
	return nil
}

func skipRest(dec *json.Decoder, depth int) error {
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// jsonErr says what a JSON decoder's error means for the file.
func (r *reader) jsonErr(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	var ie *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ie):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return r.fail(Truncated, "", nil)
	case errors.Is(err, gzip.ErrChecksum), isCorrupt(err):
		return r.fail(Damaged, "", nil)
	case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
		return r.fail(Truncated, "", nil)
	case r.ctx.Err() != nil:
		return r.ctx.Err()
	}
	// The decoder stands at the byte it choked on (SyntaxError.Offset
	// counts from its buffer, not the file); said counting from 1.
	return r.fail(BadJSON, strconv.FormatInt(max(dec.InputOffset()-r.shift, 0)+1, 10), nil)
}

func (r *reader) gzipErr(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return r.fail(Truncated, "", nil)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), isCorrupt(err):
		return r.fail(Damaged, "", nil)
	}
	return r.fail(Unreadable, "", err)
}

func isCorrupt(err error) bool {
	var ce flate.CorruptInputError
	return errors.As(err, &ce)
}
