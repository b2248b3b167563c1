package importer

import (
	"database/sql"
	"math"
	"time"
)

// uPic (macOS) keeps its history in uPic.db in its Caches folder
// (uPic/Utils/Constants.swift: <Caches>/<bundle id>/uPic.db; the app is
// sandboxed, so ~/Library/Containers/com.svend.uPic.macos/Data/Library/
// Caches/com.svend.uPic.macos/uPic.db), a WCDB database
// (uPic/Managers/DBManager.swift; WCDB 2.1 is SQLite in WAL mode) with the
// table historyTable made from HistoryThumbnailModel
// (uPic/Views/HistoryRecord/HistoryThumbnailModel.swift): identifier
// INTEGER PRIMARY KEY, url TEXT, previewWidth REAL, previewHeight REAL,
// thumbnailData BLOB, createdDate REAL (WCDB's Date: seconds since 1970,
// src/swift/builtin/CodableType.swift), size INTEGER, host TEXT, isImage
// INTEGER. The preview size is NSImage's size (points, not pixels: half
// the pixels of a Retina screenshot) fitted into 450 × 600
// (uPic/Models/BaseUploader.swift completed), so the picture's own size is
// left unknown rather than guessed. uPic cannot edit an item and
// reuses identifiers once its history is cleared, so an item's key is its
// link. The thumbnail is not read.

func (r *reader) upicDB() error {
	r.g.Format = FormatUPicDB
	db, done, err := r.openDB()
	if err != nil {
		return err
	}
	defer done()
	tabs, err := r.tables(db)
	if err != nil {
		return err
	}
	if err := r.need(tabs, "historyTable", "url", "createdDate", "size", "isImage"); err != nil {
		return err
	}
	rows, err := db.QueryContext(r.ctx, `SELECT url, createdDate, size, isImage FROM historyTable ORDER BY identifier`)
	if err != nil {
		return r.dbErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var link sql.NullString
		var created sql.NullFloat64
		var size, isImage sql.NullInt64
		if err := rows.Scan(&link, &created, &size, &isImage); err != nil {
			return r.dbErr(err)
		}
		it := Item{Key: link.String, URL: link.String, Name: baseName(linkPath(link.String)), Bytes: max(size.Int64, 0)}
		if created.Valid && created.Float64 > 0 {
			it.Time = time.UnixMilli(int64(math.Round(created.Float64 * 1000))).UTC()
		}
		if err := r.add(it, isImage.Int64 != 0); err != nil {
			return err
		}
	}
	return r.dbErr(rows.Err())
}
