// Package bulk reads a batch of pass requests from CSV: the columns the
// `bot bulk` CLI and the chat upload (Slack file, Teams file or pasted
// card) share, the file's limits, and each row's own problems, found
// before anything is asked of Entra. Sentences come from internal/text.
package bulk

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Limits of one batch: a week of hiring, not a directory import.
const (
	MaxRows  = 500
	MaxBytes = 256 << 10
	// MaxCell bounds a cell; MaxNote the note column.
	MaxCell = 256
	MaxNote = 1000
)

// Columns are the CSV columns in the order they are documented; upn is
// the one required.
var Columns = []string{"upn", "start", "lifetime", "reason", "manager", "one_time", "note", "time_zone", "external_ref"}

// Row is one line of the file: the new hire and how their pass should be,
// or why the row cannot be sent.
type Row struct {
	// Line is the row's line in the file (the header is line 1), as a
	// spreadsheet numbers it.
	Line                        int
	UPN, Start, Reason, Manager string
	Note, TimeZone, ExternalRef string
	LifetimeMinutes             int // 0: the policy's default
	OneTime                     bool
	// Refused is why the row cannot be sent, a sentence; empty when it
	// is ready for the checks a single request gets.
	Refused string
}

// Parse reads raw as a batch. A problem with the whole file is a
// *tap.Refusal (ErrInvalidInput); a problem with one row is that row's
// Refused, and the others still go.
func Parse(raw []byte) ([]Row, error) {
	if len(raw) > MaxBytes {
		return nil, refuse(text.BulkTooLarge((len(raw)+1023)/1024, MaxBytes/1024))
	}
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, refuse(text.BulkNoHeader)
	}
	if err != nil {
		return nil, refuse(unreadable(err))
	}
	cols := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" && i == len(head)-1 {
			continue // a trailing comma
		}
		if !known(h) {
			if len(cols) == 0 && i == 0 && strings.Contains(h, "@") {
				return nil, refuse(text.BulkNoHeader)
			}
			return nil, refuse(text.BulkUnknownColumn(h))
		}
		cols[h] = i
	}
	if _, ok := cols["upn"]; !ok {
		return nil, refuse(text.BulkNoUPN)
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, refuse(unreadable(err))
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(rows) == MaxRows {
			return nil, refuse(text.BulkTooManyRows(MaxRows))
		}
		rows = append(rows, rowOf(line, cols, rec))
	}
	if len(rows) == 0 {
		return nil, refuse(text.BulkNoRows)
	}
	return rows, nil
}

func unreadable(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return text.BulkUnreadable("line " + strconv.Itoa(pe.Line) + ": " + pe.Err.Error())
	}
	return text.BulkUnreadable(err.Error())
}

func refuse(s string) error { return tap.Refuse(tap.ErrInvalidInput, s) }

func known(col string) bool {
	for _, c := range Columns {
		if c == col {
			return true
		}
	}
	return false
}

// rowOf reads one record: the first problem found is the row's refusal.
func rowOf(line int, cols map[string]int, rec []string) Row {
	r := Row{Line: line}
	get := func(k string) string {
		if i, ok := cols[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for _, c := range Columns {
		v := get(c)
		limit := MaxCell
		if c == "note" {
			limit = MaxNote
		}
		switch {
		case hidden(v):
			r.Refused = text.BulkHiddenChars(c)
		case utf8.RuneCountInString(v) > limit:
			r.Refused = text.BulkCellTooLong(c, limit)
		}
		if r.Refused != "" {
			r.UPN = clip(get("upn"))
			return r
		}
	}
	r.UPN, r.Start, r.Reason, r.Manager = get("upn"), get("start"), strings.ToLower(get("reason")), get("manager")
	r.Note, r.TimeZone, r.ExternalRef = get("note"), get("time_zone"), get("external_ref")
	if r.UPN == "" {
		r.Refused = text.BulkNoUPNCell
		return r
	}
	if lt := get("lifetime"); lt != "" {
		n, err := strconv.Atoi(lt)
		if err != nil {
			d, derr := time.ParseDuration(lt)
			if derr != nil || d%time.Minute != 0 {
				r.Refused = text.BulkBadLifetime(lt)
				return r
			}
			n = int(d / time.Minute)
		}
		r.LifetimeMinutes = n
	}
	switch strings.ToLower(get("one_time")) {
	case "", "no", "false", "0", "n":
	case "yes", "true", "1", "y":
		r.OneTime = true
	default:
		r.Refused = text.BulkBadOneTime(get("one_time"))
	}
	return r
}

// clip keeps a refused row's upn short enough to name it in a summary.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if isHidden(r) {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:80]) + "…"
	}
	return s
}

// hidden reports whether s holds a character that changes how the text
// around it reads without being seen: bidirectional controls (a name that
// renders reversed), zero-width characters, other format characters.
func hidden(s string) bool {
	for _, r := range s {
		if isHidden(r) {
			return true
		}
	}
	return false
}

func isHidden(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true // bidi embeddings, overrides, isolates, marks
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == 0x00AD, r == 0x180E:
		return true // zero-width and invisible
	case r < 0x20 && r != '\t', r == 0x7F:
		return true // control characters (a quoted cell may hold a newline)
	}
	return false
}

// StartAt is when the row's pass starts: start as a date and time with
// an offset, or a date at startOfDay ("07:00") in the row's time_zone,
// else in zone. It returns the zone the start was read in.
func (r Row) StartAt(zone, startOfDay string) (time.Time, string, error) {
	if r.TimeZone != "" {
		if _, err := time.LoadLocation(r.TimeZone); err != nil {
			return time.Time{}, "", refuse(text.BulkBadZone(r.TimeZone))
		}
		zone = r.TimeZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc, zone = time.UTC, "UTC"
	}
	if r.Start == "" {
		return time.Time{}, zone, nil // now, at issue
	}
	if t, err := time.Parse(time.RFC3339, r.Start); err == nil {
		return t.UTC(), zone, nil
	}
	day, err := time.ParseInLocation("2006-01-02", r.Start, loc)
	if err != nil {
		return time.Time{}, "", refuse(text.BulkBadStart(r.Start))
	}
	clock, err := time.Parse("15:04", startOfDay)
	if err != nil {
		clock = time.Date(0, 1, 1, 7, 0, 0, 0, time.UTC)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, loc).UTC(), zone, nil
}

// HireDate reports whether start is a date alone (YYYY-MM-DD).
func (r Row) HireDate() bool {
	_, err := time.Parse("2006-01-02", r.Start)
	return err == nil
}

// Hash is the hex SHA-256 of a batch's bytes, prefixed by who sent it:
// the same file from the same person is the same batch (a retry), and
// request ids derived from it repeat.
func Hash(sender string, raw []byte) string {
	h := sha256.New()
	h.Write([]byte(sender))
	h.Write([]byte{0})
	h.Write(bytes.TrimPrefix(raw, []byte("\uFEFF")))
	return hex.EncodeToString(h.Sum(nil))
}
