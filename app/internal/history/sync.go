package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// What a sync with a bucket needs of the history: which of a page of keys
// it holds, to mark what a full pass saw, to mark deleted what it did not,
// and to remember where the last pass got to. Each call is a transaction
// of its own, so a sync killed half way leaves every page it wrote whole.

// Known is what the history holds of a key a listing found.
type Known struct {
	Status string
	Bytes  int64
	SHA256 string
}

// Known returns what the history holds of each of keys in target.
func (d *DB) Known(ctx context.Context, target string, keys []string) (map[string]Known, error) {
	out := make(map[string]Known, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), 500) // SQLite's limit on variables is far above
		args := []any{target}
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		rows, err := d.db.QueryContext(ctx, `SELECT key, status, bytes, sha256 FROM uploads WHERE target = ? AND key IN (?`+
			strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		for rows.Next() {
			var k string
			var kn Known
			if err := rows.Scan(&k, &kn.Status, &kn.Bytes, &kn.SHA256); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read history: %w", err)
			}
			out[k] = kn
		}
		rows.Close()
		keys = keys[n:]
	}
	return out, nil
}

// MarkSeen records that the full pass gen found keys in target's bucket;
// a record marked deleted that is there again is no longer deleted.
func (d *DB) MarkSeen(ctx context.Context, target string, keys []string, gen int64) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `UPDATE uploads SET seen = ?,
		status = CASE WHEN status = '`+StatusDeleted+`' THEN 'uploaded' ELSE status END WHERE target = ? AND key = ?`)
	if err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	defer st.Close()
	for _, k := range keys {
		if _, err := st.ExecContext(ctx, gen, target, k); err != nil {
			return fmt.Errorf("save history: %w", err)
		}
	}
	return tx.Commit()
}

// MarkDeletedUnseen marks deleted target's records under prefix (the
// prefix the pass listed: records under another, from before a settings
// change, were not looked for) that the full pass gen did not find, among
// those written before the pass began (an upload stored while it listed
// is not taken for a deletion). It returns them.
func (d *DB) MarkDeletedUnseen(ctx context.Context, target, prefix string, gen int64, began time.Time) ([]Record, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save history: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM uploads WHERE target = ? AND substr(key, 1, ?) = ? AND seen < ?
		AND status NOT IN ('`+StatusDeleted+`', 'failed') AND written_ms <= ?`,
		target, len([]rune(prefix)), prefix, gen, began.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	var gone []Record
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read history: %w", err)
		}
		gone = append(gone, r)
	}
	rows.Close()
	for _, r := range gone {
		if _, err := tx.ExecContext(ctx, `UPDATE uploads SET status = ? WHERE target = ? AND key = ?`, StatusDeleted, target, r.Key); err != nil {
			return nil, fmt.Errorf("save history: %w", err)
		}
	}
	return gone, tx.Commit()
}

// SameSize returns target's records of size bytes whose sha256 is not
// known (found in the bucket, uploaded by another tool): a file of that
// size may be one of them.
func (d *DB) SameSize(ctx context.Context, target string, size int64, limit int) ([]Record, error) {
	return d.query(ctx, `SELECT `+columns+` FROM uploads WHERE target = ? AND bytes = ? AND sha256 = '' AND status != '`+
		StatusDeleted+`' ORDER BY time_ms DESC LIMIT ?`, target, size, limit)
}

// SyncState is where target's last sync got to.
type SyncState struct {
	// After is the greatest key the last pass found (an incremental pass
	// lists from a little before it).
	After string
	// Full is when the last full pass ended; Gen counts full passes.
	Full time.Time
	Gen  int64
}

// SyncState reads where target's last sync got to.
func (d *DB) SyncState(ctx context.Context, target string) (SyncState, error) {
	var st SyncState
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, "sync:"+target).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read history: %w", err)
	}
	parts := strings.SplitN(v, "\n", 3)
	if len(parts) == 3 {
		ms, _ := strconv.ParseInt(parts[0], 10, 64)
		st.Gen, _ = strconv.ParseInt(parts[1], 10, 64)
		st.After = parts[2]
		if ms > 0 {
			st.Full = time.UnixMilli(ms)
		}
	}
	return st, nil
}

// SaveSyncState records where target's sync got to.
func (d *DB) SaveSyncState(ctx context.Context, target string, st SyncState) error {
	var ms int64
	if !st.Full.IsZero() {
		ms = st.Full.UnixMilli()
	}
	v := strconv.FormatInt(ms, 10) + "\n" + strconv.FormatInt(st.Gen, 10) + "\n" + st.After
	if _, err := d.db.ExecContext(ctx, `INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)`, "sync:"+target, v); err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	return nil
}

// PutNew adds records that are not in the history yet, leaving any that
// another process added meanwhile as they are, in one transaction.
func (d *DB) PutNew(ctx context.Context, recs []Record) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	defer tx.Rollback()
	for _, r := range recs {
		if err := put(ctx, tx, r, true); err != nil {
			return fmt.Errorf("save history: %w", err)
		}
	}
	return tx.Commit()
}
