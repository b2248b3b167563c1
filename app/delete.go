package app

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// ErrNotOurs: a key or link that names no upload of this bucket.
var ErrNotOurs = &Error{Kind: KindNotOurs}

// ResolveKey turns what a user names — a key, a public, path-style, CDN or
// presigned link, of the original or of its thumbnail — into the
// original's key.
func (c *Core) ResolveKey(ctx context.Context, ref string) (string, error) {
	s, err := c.session(ctx)
	if err != nil {
		return "", err
	}
	key, ok := storage.KeyFromURL(ref, s.b.LinkBases())
	if !ok {
		return "", &Error{Kind: KindNotOurs, Value: ref, Key: s.b.Name(), Fix: Fix(s.cfg.OriginalPrefix)}
	}
	if rest, isThumb := strings.CutPrefix(key, s.cfg.ThumbPrefix); isThumb {
		// A thumbnail's, copy's or twin's link names the same upload: the
		// candidate the history or the bucket knows.
		cands := thumbRests(rest)
		key = s.cfg.OriginalPrefix + cands[0]
		for _, rest := range cands {
			k := s.cfg.OriginalPrefix + rest
			if _, found, _ := c.hist.Find(ctx, s.id, k); found {
				key = k
				break
			}
			if _, err := s.b.Head(ctx, k); err == nil {
				key = k
				break
			}
		}
	}
	if _, ok := ThumbKey(s.cfg, key); !ok {
		return "", &Error{Kind: KindNotOurs, Value: ref, Key: s.b.Name(), Fix: Fix(s.cfg.OriginalPrefix)}
	}
	return key, nil
}

// Delete removes an upload — named by key or link — from the bucket, with
// every copy made from it, and from the history. It returns the record
// deleted (or what is known of it).
func (c *Core) Delete(ctx context.Context, ref string) (Record, error) {
	// An imported picture's link (or its app's id): forgotten, as the
	// window's Forget does; its app keeps the picture.
	if r, ok, _ := c.hist.FindImported(ctx, ref); ok {
		return r, c.DeleteRecord(ctx, r)
	}
	key, err := c.ResolveKey(ctx, ref)
	if err != nil {
		return Record{}, err
	}
	s, err := c.session(ctx)
	if err != nil {
		return Record{}, err
	}
	r, found, _ := c.hist.Find(ctx, s.id, key)
	if !found {
		if _, err := s.b.Head(ctx, key); errors.Is(err, storage.ErrNotFound) {
			return Record{Key: key}, &Error{Kind: KindNotInBucket, Value: key, Key: s.b.Name()}
		}
		r = Record{Key: key, Target: s.id}
		r.ThumbKey, _ = ThumbKey(s.cfg, key)
	}
	return r, c.DeleteRecord(ctx, r)
}

// DeleteRecord removes a past upload's original and every copy made from
// it (thumbnail, refusal note, variants) from the bucket, and the record
// from the history. A record imported from another uploader's gallery is
// only removed from the history: its picture stays where that app put it.
func (c *Core) DeleteRecord(ctx context.Context, r Record) error {
	if _, ok := Imported(r); ok { // another app's picture: only forgotten
		return c.forget(ctx, r)
	}
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	if r.Target != "" && r.Target != s.id {
		return &Error{Kind: KindOtherBucket, File: r.Name()}
	}
	if err := s.b.Delete(ctx, deleteKeys(s.cfg, r)...); err != nil {
		return &Error{Kind: KindDeleteFailed, File: r.Name(), Err: err}
	}
	if err := c.hist.Remove(ctx, s.id, r.Key); err != nil {
		return &Error{Kind: KindHistory, Err: err}
	}
	c.notifyHistory()
	return nil
}

// deleteKeys are the objects of an upload.
func deleteKeys(cfg Config, r Record) []string {
	keys := []string{r.Key}
	tk := r.ThumbKey
	if tk == "" {
		tk, _ = ThumbKey(cfg, r.Key)
	}
	if tk != "" {
		keys = append(keys, tk, tk+RefusedSuffix)
		keys = append(keys, expectedKeys(cfg, tk)...)
	}
	for _, v := range r.Variants {
		if !slices.Contains(keys, v.Key) {
			keys = append(keys, v.Key)
		}
	}
	// Its web copy: the record's, or where one would be (made by another
	// machine, or before the record knew).
	wk := r.WebKey
	if wk == "" && mayHaveWebCopy(r) {
		wk, _ = WebKey(cfg, r.Key)
	}
	if wk != "" && !slices.Contains(keys, wk) {
		keys = append(keys, wk)
	}
	return keys
}

// RefusedSuffix ends the key of the note the resize function leaves
// beside a thumbnail it refused to make.
const RefusedSuffix = resize.RefusedSuffix

// mayHaveWebCopy: the upload is of a type that gets a web copy (HEIC,
// HEIF, TIFF), by its record or, where the record does not say, its key.
func mayHaveWebCopy(r Record) bool {
	switch r.ContentType {
	case "image/heic", "image/heif", "image/tiff":
		return true
	case "":
		switch strings.ToLower(path.Ext(r.Key)) {
		case ".heic", ".heif", ".hif", ".tif", ".tiff":
			return true
		}
	}
	return false
}
