package dialog

import (
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// apply stores every slot a message gave, reports refused values and
// moves on: to the lookup if a new target was named, else to the first
// refused slot, else to the next missing one or the summary. A message
// with a piece that looks like a time, date, zone or length and was not
// understood changes nothing: it is asked about and ignored.
func (t *turn) apply(x extraction, text string) bool {
	if err := x.refusal(); err != nil {
		t.sayText(refusalText(err))
		t.stop(x.unread != "")
		return false
	}
	if x.ambiguous != "" {
		t.s.Pending = text
		if t.move(evClarify) {
			t.askClarify(x.ambiguous)
		}
		return true
	}
	zone := x.zone
	if zone == zoneMine {
		zone = t.mine
	}
	if x.hasStart && x.startErr == nil && zone != "" {
		// a refused start never changes another slot: the zone named
		// with it is not applied either
		reason := x.reason
		if reason == "" {
			reason = t.s.Reason
		}
		if _, err := t.placeStart(x.start, zone, reason); err != nil {
			x.startErr, zone = err, ""
		}
	}
	if x.targetErr != nil {
		t.sayText(refusalText(x.targetErr))
		t.fail(slotTarget)
	}
	if x.startErr != nil {
		t.sayText(refusalText(x.startErr))
		t.fail(slotStart)
	}
	if x.justErr != nil {
		t.sayText(refusalText(x.justErr))
		t.fail(slotJustification)
	}
	if x.reason != "" {
		t.s.Reason = x.reason
	}
	if x.hasJust {
		j := x.just
		t.s.Justification = &j
	}
	if zone != "" {
		t.setZone(zone)
	}
	if x.hasLife {
		t.setLifetime(x.lifetime)
	}
	if x.hasOnce {
		b := x.oneTime
		t.s.OneTime = &b
	}
	if x.hasStart && x.startErr == nil {
		t.setStart(x.start, zone)
	}
	if x.target != "" && (t.s.Target == nil || !strings.EqualFold(t.s.Target.UPN, x.target) && !strings.EqualFold(t.s.Target.Mail, x.target)) {
		t.s.Next = string(t.failed)
		t.lookup(x.target)
		return true
	}
	if t.failed != "" {
		t.goTo(t.failed)
		return false
	}
	t.advance()
	return true
}

func (t *turn) fail(sl slot) {
	if t.failed == "" {
		t.failed = sl
	}
}

// lookup asks the router to resolve a target.
func (t *turn) lookup(upn string) {
	t.s.PendingTarget = upn
	t.s.Target = nil
	if t.move(evLookup) {
		t.out.Resolve = upn
	}
}

// setZone sets the new hire's zone; a start given as a wall-clock time
// keeps its wall clock in the new zone.
func (t *turn) setZone(z string) {
	z = zoneOrUTC(z)
	if t.s.HasStart && t.s.StartWall && t.s.HireZone != z {
		old := t.s.Start.In(location(t.wallZone()))
		moved := time.Date(old.Year(), old.Month(), old.Day(), old.Hour(), old.Minute(), 0, 0, location(z))
		if err := t.cfg.checkStart(moved, t.in.Now, t.mine); err != nil {
			t.sayText(refusalText(err))
			t.s.HasStart = false
			t.fail(slotStart)
		}
		t.s.Start = moved.UTC()
	}
	t.s.HireZone = z
}

// wallZone is the zone the start's wall clock was given in.
func (t *turn) wallZone() string {
	if t.s.HireZone != "" {
		return t.s.HireZone
	}
	return t.mine
}

// setStart places sp in zone (or the hire zone, or the requester's) and
// stores it unless it is refused.
func (t *turn) setStart(sp startSpec, zone string) {
	if zone == "" {
		zone = t.wallZone()
	}
	p, err := t.placeStart(sp, zone, t.s.Reason)
	if err != nil {
		t.sayText(refusalText(err))
		t.fail(slotStart)
		return
	}
	if sp.hasEnd && !p.now {
		life, err := sp.rangeLifetime(p.at, location(zone))
		if err != nil {
			t.sayText(refusalText(err))
			t.fail(slotStart)
			return
		}
		t.setLifetime(life)
	}
	t.s.HasStart, t.s.StartNow, t.s.Start, t.s.StartWall = true, p.now, p.at, p.wall
	if p.wall && t.s.HireZone == "" {
		t.s.HireZone = zone
	}
}

// placeStart resolves sp in zone (a date alone means the reason's lead
// before the working day) and checks it is neither past nor too far.
func (t *turn) placeStart(sp startSpec, zone string, reason tap.Reason) (placed, error) {
	var lead time.Duration
	if reason != "" {
		lead = t.cfg.reasonDefaults(reason).StartLead
	}
	sp.monthFirst = usZones[t.mine]
	at, now, err := sp.resolve(t.in.Now, location(zone), t.cfg.DayStart, lead)
	if err == nil && !now {
		err = t.cfg.checkStart(at, t.in.Now, t.mine)
	}
	if err != nil {
		return placed{}, err
	}
	return placed{at: at, now: now, wall: !now && !sp.hasAbs && !sp.hasRel}, nil
}

// parseStartField reads a start typed alone (a form field), in zone
// unless it names its own.
func (t *turn) parseStartField(v, zone string, reason tap.Reason) (placed, error) {
	x := extract(v, slotStart)
	if x.ambiguous != "" {
		return placed{}, tap.Refuse(tap.ErrInvalidInput, fmtZoneAmbiguous(x.ambiguous, ambiguousZones[x.ambiguous]))
	}
	if !x.hasStart || len(x.unknown) > 0 || x.target != "" || x.hasLife || x.reason != "" || x.hasOnce || x.hasJust {
		return placed{}, tap.Refuse(tap.ErrInvalidInput, fmtStartSyntax(v))
	}
	if x.zone == zoneMine {
		zone = t.mine
	} else if x.zone != "" {
		zone = x.zone
	}
	return t.placeStart(x.start, zone, reason)
}

// setLifetime stores d unless the policy refuses it.
func (t *turn) setLifetime(d time.Duration) {
	if err := t.cfg.checkLifetime(d); err != nil {
		t.sayText(refusalText(err))
		t.fail(slotLifetime)
		return
	}
	t.s.Lifetime = d
}
