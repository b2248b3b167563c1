package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Statuses of an upload (the spec's JSON values).
const (
	StatusReady     = "ready"     // uploaded, thumbnail made
	StatusUploaded  = "uploaded"  // uploaded, not waited for the thumbnail
	StatusDuplicate = "duplicate" // the same bytes were uploaded before: their links
	StatusFailed    = "failed"
	StatusTimeout   = "timeout" // uploaded, no thumbnail within the timeout
)

// Record is one upload: the spec's JSON object.
type Record struct {
	File        string    `json:"file"`
	Key         string    `json:"key"`
	URL         string    `json:"url"`
	ThumbKey    string    `json:"thumb_key"`
	ThumbURL    string    `json:"thumb_url"`
	ContentType string    `json:"content_type"`
	Bytes       int64     `json:"bytes"`
	SHA256      string    `json:"sha256"`
	Status      string    `json:"status"`
	Error       string    `json:"error"`
	ElapsedMS   int64     `json:"elapsed_ms"`
	Time        time.Time `json:"time"`
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	// Where it went: "local" or the bucket's identity, so duplicates are
	// only found in the same bucket.
	Target string `json:"target,omitempty"`
}

// Name is the display name.
func (r Record) Name() string { return DisplayName(r.Key) }

// History is the list of past uploads, newest first, kept in one JSON-lines
// file rewritten atomically (temp file + fsync + rename) on every change: a
// crash leaves the old or the new list, whole.
type History struct {
	path string
	mu   sync.RWMutex
	recs []Record // oldest first
	bySH map[string]int
}

// OpenHistory loads the history file under the data dir.
func OpenHistory(dataDir string) (*History, error) {
	h := &History{path: filepath.Join(dataDir, "history.jsonl"), bySH: map[string]int{}}
	f, err := os.Open(h.path)
	if errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Key == "" {
			// Only a hand-edited file can get here (writes are atomic);
			// keep every good line rather than refuse them all.
			continue
		}
		h.add(r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read history %s line %d: %w", h.path, line, err)
	}
	return h, nil
}

func (h *History) add(r Record) {
	h.recs = append(h.recs, r)
	if r.SHA256 != "" {
		h.bySH[r.Target+"\x00"+r.SHA256] = len(h.recs) - 1
	}
}

func (h *History) reindex() {
	h.bySH = map[string]int{}
	for i, r := range h.recs {
		if r.SHA256 != "" {
			h.bySH[r.Target+"\x00"+r.SHA256] = i
		}
	}
}

func (h *History) save() error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range h.recs {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if err := WriteFileAtomic(h.path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	return nil
}

// Put adds r, or replaces the record with the same key.
func (h *History) Put(r Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	replaced := false
	for i := len(h.recs) - 1; i >= 0; i-- {
		if h.recs[i].Key == r.Key && h.recs[i].Target == r.Target {
			h.recs[i] = r
			replaced = true
			break
		}
	}
	if replaced {
		h.reindex()
	} else {
		h.add(r)
	}
	return h.save()
}

// PutNoSave adds r in memory only; the next Put or Remove saves it. For
// bulk loading (tests, imports).
func (h *History) PutNoSave(r Record) {
	h.mu.Lock()
	h.add(r)
	h.mu.Unlock()
}

// Remove deletes the record of key.
func (h *History) Remove(target, key string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.recs[:0]
	for _, r := range h.recs {
		if !(r.Key == key && r.Target == target) {
			out = append(out, r)
		}
	}
	h.recs = out
	h.reindex()
	return h.save()
}

// BySHA256 finds an earlier upload of the same bytes to the same target.
func (h *History) BySHA256(target, sum string) (Record, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	i, ok := h.bySH[target+"\x00"+sum]
	if !ok {
		return Record{}, false
	}
	return h.recs[i], true
}

// Find returns the record of key.
func (h *History) Find(target, key string) (Record, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for i := len(h.recs) - 1; i >= 0; i-- {
		if h.recs[i].Key == key && h.recs[i].Target == target {
			return h.recs[i], true
		}
	}
	return Record{}, false
}

// List returns the records newest first, those whose name or key contain
// filter (case-insensitive) if it is not empty.
func (h *History) List(filter string) []Record {
	h.mu.RLock()
	defer h.mu.RUnlock()
	filter = strings.ToLower(strings.TrimSpace(filter))
	out := make([]Record, 0, len(h.recs))
	for i := len(h.recs) - 1; i >= 0; i-- {
		r := h.recs[i]
		if filter == "" || strings.Contains(strings.ToLower(r.Key), filter) || strings.Contains(strings.ToLower(r.File), filter) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out
}

// Len is the number of records.
func (h *History) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.recs)
}
