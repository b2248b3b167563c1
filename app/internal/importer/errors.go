package importer

import "fmt"

// Problem is what is wrong with a file given to import.
type Problem int

// The problems.
const (
	Unreadable Problem = iota // it cannot be opened or read (Err says why)
	IsFolder                  // a folder, not a file
	Empty                     // an empty file
	NotGzip                   // PicGo/PicList: neither gzip-compressed (picgo.db) nor JSON (data.json)
	Truncated                 // it ends before its data does (a copy cut short)
	Damaged                   // its compressed data is damaged
	Moved                     // PicGo's data.json whose gallery PicGo moved to picgo.db
	BadJSON                   // its JSON is broken (Detail: the byte offset)
	NoList                    // JSON without the list it should hold (Detail: its name)
	NotShareX                 // ShareX: neither SQLite (History.db) nor JSON (History.json)
	NotSQLite                 // uPic: not an SQLite database
	NoTable                   // an SQLite database without the table it should hold (Detail: its name)
	BadDB                     // an SQLite database that cannot be read (Err says why)
	OtherApp                  // another app's file (Other says whose)
)

// Error is a file that is not the gallery asked for.
type Error struct {
	Path    string
	App     App
	Problem Problem
	// Detail is the part the problem's sentence needs: an offset, the
	// name of a list or table.
	Detail string
	// Other is the app whose file it seems to be (OtherApp).
	Other App
	Err   error
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	var why string
	switch e.Problem {
	case Unreadable:
		why = fmt.Sprintf("cannot read it: %v", e.Err)
	case IsFolder:
		why = "it is a folder"
	case Empty:
		why = "it is empty"
	case NotGzip:
		why = "neither gzip-compressed nor JSON"
	case Truncated:
		why = "it is cut short"
	case Damaged:
		why = "its compressed data is damaged"
	case Moved:
		why = "PicGo moved its gallery to picgo.db in the same folder: import that file"
	case BadJSON:
		why = "its JSON is broken at byte " + e.Detail
	case NoList:
		why = "it has no " + e.Detail + " list"
	case NotShareX:
		why = "neither SQLite nor JSON"
	case NotSQLite:
		why = "not an SQLite database"
	case NoTable:
		why = "it has no " + e.Detail + " table"
	case BadDB:
		why = fmt.Sprintf("the database cannot be read: %v", e.Err)
	case OtherApp:
		why = "it is " + e.Other.Name() + "'s"
	}
	return fmt.Sprintf("%s is not a %s gallery: %s", e.Path, e.App.Name(), why)
}
