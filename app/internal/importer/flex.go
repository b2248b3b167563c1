package importer

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Fields of other apps' JSON as those apps write them, loosely: a number
// may come as a string, a time as milliseconds or as ISO 8601, any may be
// null or missing. A value of an unexpected type reads as zero rather than
// failing the whole gallery.

// flexString is a string, or "" for anything else.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = flexString(v)
	}
	return nil
}

// flexNum is a number, written as one or as a string.
type flexNum float64

func (n *flexNum) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if v, err := strconv.ParseFloat(string(b), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		*n = flexNum(v)
	}
	return nil
}

func (n flexNum) int() int {
	if n <= 0 || n > math.MaxInt32 {
		return 0
	}
	return int(n)
}

// flexTime is a time: Unix milliseconds (a number or a string of digits,
// PicGo's Date.now()), or ISO 8601 (a JavaScript Date written as JSON).
type flexTime time.Time

func (t *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		s = string(b)
	}
	*t = flexTime(parseTime(s))
	return nil
}

// parseTime reads milliseconds since 1970 or an ISO 8601 time (zero if
// neither, or before 1990 or far in the future: a value of another kind).
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	var t time.Time
	if ms, err := strconv.ParseFloat(s, 64); err == nil {
		t = time.UnixMilli(int64(ms))
	} else if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t = v
	} else if v, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		t = v
	}
	if t.Year() < 1990 || t.Year() > 2200 {
		return time.Time{}
	}
	return t.UTC()
}
