package bot

import (
	"context"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// view is how one reader sees a request's times: in the reader's own
// zone, with the new hire's time beside it when the zones differ. A view
// without a reader is one many people share (a channel's approval card):
// it shows the new hire's zone, the requester's when it differs, and UTC.
type view struct {
	reader    string // IANA; "" for a shared view
	hire      string // the new hire's zone
	requester string // the requester's zone at submission
	name      string // the new hire's name
}

func viewOf(r *tap.Request, reader string) view {
	return view{reader: reader, hire: r.HireZone, requester: r.RequesterZone, name: targetName(r.Target)}
}

// at renders t for the view:
//
//	reader in LA, hire in New York: "Mon 7 Dec 2026 07:00 PST (your time) · 10:00 EST for Sarah Johnson"
//	reader and hire in one zone:    "Mon 7 Dec 2026 07:00 PST (15:00 UTC)"
//	shared view:                    "Mon 7 Dec 2026 10:00 EST for Sarah Johnson · 07:00 PST for the requester (15:00 UTC)"
func (v view) at(t time.Time) string {
	if t.IsZero() || (v.reader == "" && v.requester == "") || v.hire == "" {
		return When(t, firstZone(v.reader, v.hire, v.requester))
	}
	if v.reader == "" {
		if sameZone(v.hire, v.requester, t) {
			return When(t, v.hire)
		}
		return wall(t, v.hire, time.Time{}) + text.ForHire(v.name) + " · " + wall(t, v.requester, t.In(loc(v.hire))) +
			text.ForRequester + " (" + t.UTC().Format("15:04 UTC") + ")"
	}
	if sameZone(v.reader, v.hire, t) {
		return When(t, v.reader)
	}
	return wall(t, v.reader, time.Time{}) + text.YourTime + " · " + wall(t, v.hire, t.In(loc(v.reader))) + text.ForHire(v.name)
}

// wall renders t in zone with its abbreviation, leaving out the date when
// it is the same calendar day as ref (non-zero) shows.
func wall(t time.Time, zone string, ref time.Time) string {
	l := t.In(loc(zone))
	if !ref.IsZero() {
		y, m, d := ref.Date()
		if ly, lm, ld := l.Date(); ly == y && lm == m && ld == d {
			return l.Format("15:04 MST")
		}
		return l.Format("Mon 2 Jan 15:04 MST")
	}
	return l.Format("Mon 2 Jan 2006 15:04 MST")
}

// sameZone reports whether a and b show t alike (same name, or same
// offset and abbreviation at t).
func sameZone(a, b string, t time.Time) bool {
	if a == b {
		return true
	}
	an, ao := t.In(loc(a)).Zone()
	bn, bo := t.In(loc(b)).Zone()
	return an == bn && ao == bo
}

func firstZone(zs ...string) string {
	for _, z := range zs {
		if z != "" {
			return z
		}
	}
	return ""
}

// loc loads zone, UTC when it is empty or unknown.
func loc(zone string) *time.Location {
	if zone == "" {
		return time.UTC
	}
	l, err := time.LoadLocation(zone)
	if err != nil {
		return time.UTC
	}
	return l
}

// requesterZone is the zone the requester reads times in: the one their
// platform or mailbox gives now, else the one recorded at submission,
// else the default.
func (r *Router) requesterZone(ctx context.Context, req *tap.Request) string {
	if z, ok := r.zones.Find(ctx, req.Requester.EntraID); ok {
		return z
	}
	if req.RequesterZone != "" {
		return req.RequesterZone
	}
	return r.zones.Default()
}
