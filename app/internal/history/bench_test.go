package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// jsonlHistory is the history of thumbdrop before the database, kept
// here only as the benchmark's baseline: one JSON-lines file loaded whole
// at open and rewritten whole (temp file, fsync, rename) at every change.
type jsonlHistory struct {
	path string
	recs []Record
}

func openJSONL(dir string) (*jsonlHistory, error) {
	h := &jsonlHistory{path: filepath.Join(dir, "history.jsonl")}
	f, err := os.Open(h.path)
	if os.IsNotExist(err) {
		return h, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			h.recs = append(h.recs, r)
		}
	}
	return h, sc.Err()
}

func (h *jsonlHistory) put(r Record) error {
	h.recs = append(h.recs, r)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range h.recs {
		enc.Encode(r)
	}
	tmp := h.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	f.Write(buf.Bytes())
	f.Sync()
	f.Close()
	return os.Rename(tmp, h.path)
}

func (h *jsonlHistory) list(filter string) []Record {
	filter = strings.ToLower(filter)
	var out []Record
	for i := len(h.recs) - 1; i >= 0; i-- {
		if r := h.recs[i]; filter == "" || strings.Contains(searchText(r), filter) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out
}

// BenchmarkHistory compares the database with the JSON-lines file it
// replaced at 10,000 and 100,000 records: open (to the first page),
// append one record, filter (count and first page), and a page in the
// middle.
//
//	go test ./app/internal/history -run '^$' -bench History -count 5
func BenchmarkHistory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		dir := b.TempDir()
		db, err := Open(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		tx, _ := db.db.Begin()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for i := 0; i < n; i++ {
			r := rec(i, fmt.Sprintf("photo %d 사진.jpg", i))
			put(ctx, tx, r, false)
			enc.Encode(r)
		}
		tx.Commit()
		db.Close()
		jdir := b.TempDir()
		os.WriteFile(filepath.Join(jdir, "history.jsonl"), buf.Bytes(), 0o600)

		b.Run(fmt.Sprintf("open/%dk/sqlite", n/1000), func(b *testing.B) {
			for b.Loop() {
				d, err := Open(ctx, dir)
				if err != nil {
					b.Fatal(err)
				}
				d.Count(ctx, Query{})
				d.Page(ctx, Query{}, 0, 120)
				d.Close()
			}
		})
		b.Run(fmt.Sprintf("open/%dk/jsonl", n/1000), func(b *testing.B) {
			for b.Loop() {
				h, _ := openJSONL(jdir)
				h.list("")
			}
		})
		d, _ := Open(ctx, dir)
		h, _ := openJSONL(jdir)
		i := n
		b.Run(fmt.Sprintf("append/%dk/sqlite", n/1000), func(b *testing.B) {
			for b.Loop() {
				i++
				if err := d.Put(ctx, rec(i, "new.jpg")); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("append/%dk/jsonl", n/1000), func(b *testing.B) {
			for b.Loop() {
				i++
				h.put(rec(i, "new.jpg"))
			}
		})
		b.Run(fmt.Sprintf("filter/%dk/sqlite", n/1000), func(b *testing.B) {
			for b.Loop() {
				d.Count(ctx, Query{Text: "77 사진"})
				d.Page(ctx, Query{Text: "77 사진"}, 0, 120)
			}
		})
		b.Run(fmt.Sprintf("filter/%dk/jsonl", n/1000), func(b *testing.B) {
			for b.Loop() {
				h.list("77 사진")
			}
		})
		b.Run(fmt.Sprintf("page/%dk/sqlite", n/1000), func(b *testing.B) {
			for b.Loop() {
				d.Page(ctx, Query{}, n/2, 120)
			}
		})
		b.Run(fmt.Sprintf("page/%dk/jsonl", n/1000), func(b *testing.B) {
			for b.Loop() {
				_ = h.list("")[n/2 : n/2+120]
			}
		})
		d.Close()
	}
}
