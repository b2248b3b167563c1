package history

import (
	"context"
	"fmt"
	"strings"
)

// ImportPrefix begins the target of every record imported from another
// uploader's gallery ("import:picgo").
const ImportPrefix = "import:"

// Records returns the records of keys in target that the history holds,
// by key: an import compares what it brings with what it brought before.
func (d *DB) Records(ctx context.Context, target string, keys []string) (map[string]Record, error) {
	out := make(map[string]Record, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), 500)
		args := []any{target}
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		recs, err := d.query(ctx, `SELECT `+columns+` FROM uploads WHERE target = ? AND key IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		for _, r := range recs {
			out[r.Key] = r
		}
		keys = keys[n:]
	}
	return out, nil
}

// FindImported finds an imported record by its link or its key (the
// app's own id), of any app.
func (d *DB) FindImported(ctx context.Context, ref string) (Record, bool, error) {
	r, ok, err := d.one(ctx, `target LIKE '`+ImportPrefix+`%' AND url = ?`, ref)
	if ok || err != nil {
		return r, ok, err
	}
	return d.one(ctx, `target LIKE '`+ImportPrefix+`%' AND key = ?`, ref)
}
