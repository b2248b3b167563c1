package importer

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" (the history's driver)
)

// openDB opens a copy of the SQLite database at r.path: the file and its
// write-ahead log (uPic's WCDB keeps one, and commits may still be in it)
// are copied into a temporary folder, so the app's own files are never
// written to, locked or left with a -shm file, even while it runs.
func (r *reader) openDB() (*sql.DB, func(), error) {
	dir, err := os.MkdirTemp("", "thumbdrop-import-")
	if err != nil {
		return nil, nil, r.fail(Unreadable, "", err)
	}
	done := func() { os.RemoveAll(dir) }
	copy := filepath.Join(dir, "gallery.db")
	if err := copyFile(r.path, copy); err != nil {
		done()
		return nil, nil, r.fail(Unreadable, "", err)
	}
	if err := copyFile(r.path+"-wal", copy+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		done()
		return nil, nil, r.fail(Unreadable, "", err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(copy)+"?_busy_timeout=5000")
	if err != nil {
		done()
		return nil, nil, r.fail(BadDB, "", err)
	}
	db.SetMaxOpenConns(1)
	return db, func() { db.Close(); done() }, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// tables lists a database's tables and their columns.
func (r *reader) tables(db *sql.DB) (map[string]map[string]bool, error) {
	rows, err := db.QueryContext(r.ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	if err != nil {
		return nil, r.dbErr(err)
	}
	defer rows.Close()
	out := map[string]map[string]bool{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, r.dbErr(err)
		}
		if out[t] == nil {
			out[t] = map[string]bool{}
		}
		out[t][c] = true
	}
	return out, r.dbErr(rows.Err())
}

// need checks that table has the columns, else the file is someone
// else's database: another app's where it looks like one.
func (r *reader) need(tabs map[string]map[string]bool, table string, cols ...string) error {
	have := tabs[table]
	for _, c := range cols {
		if !have[c] {
			if other := appOf(tabs); other != "" && other != r.app {
				return &Error{Path: r.path, App: r.app, Problem: OtherApp, Other: other}
			}
			return r.fail(NoTable, fmt.Sprintf("%s (%s)", table, strings.Join(cols, ", ")), nil)
		}
	}
	return nil
}

// appOf is the app whose database has these tables ("" if none's).
func appOf(tabs map[string]map[string]bool) App {
	switch {
	case tabs["History"]["URL"] && tabs["History"]["DateTime"]:
		return ShareX
	case tabs["historyTable"]["url"] && tabs["historyTable"]["createdDate"]:
		return UPic
	}
	return ""
}

// sqliteApp is the app whose SQLite database r.path is ("" if none's).
func (r *reader) sqliteApp() App {
	db, done, err := r.openDB()
	if err != nil {
		return ""
	}
	defer done()
	tabs, err := r.tables(db)
	if err != nil {
		return ""
	}
	return appOf(tabs)
}

func (r *reader) dbErr(err error) error {
	if err == nil {
		return nil
	}
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	return r.fail(BadDB, "", err)
}
