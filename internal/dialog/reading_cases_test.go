package dialog

import (
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// readKind is what a reading case expects from one message.
type readKind int

const (
	readFill  readKind = iota // the slots listed, nothing else
	readAsk                   // the slots listed are set, the bad one is asked about
	readStop                  // a question or refusal; no slot changed by the message
	readIdle                  // no request opened, no slot set
	readBegin                 // a request opened, asking who it is for
)

// readCase is one sentence a manager might type, with the slots it
// should fill or the question it should raise. Cases are read at
// readNow (Friday 27 Nov 2026 13:25 UTC, 08:25 in New York) unless now
// is set; zone is the requester's zone ("" is America/New_York).
type readCase struct {
	class string
	now   time.Time
	zone  string
	prior []string // earlier messages in the same conversation
	text  string
	kind  readKind
	say   string // a reply must contain this (case-insensitive)

	target, hire, just string
	start              time.Time
	asap               bool
	life               time.Duration
	once               string // "", "yes", "no"
	reason             tap.Reason
}

// at is an instant in UTC.
func at(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

// nov and dec are instants in late 2026 (UTC).
func nov(d, h, mi int) time.Time { return at(2026, time.November, d, h, mi) }
func dec(d, h, mi int) time.Time { return at(2026, time.December, d, h, mi) }

const (
	ny  = "America/New_York"
	la  = "America/Los_Angeles"
	ber = "Europe/Berlin"
	lon = "Europe/London"
	jo  = "jo@contoso.com"
)

var (
	// rolloverNow is Wednesday 30 Dec 2026 15:00 UTC (10:00 in New York).
	rolloverNow = at(2026, time.December, 30, 15, 0)
	// euDSTNow is Friday 23 Oct 2026 12:00 UTC; Europe leaves summer time on Sunday 25 Oct.
	euDSTNow = at(2026, time.October, 23, 12, 0)
	// usDSTNow is Friday 30 Oct 2026 16:00 UTC; the US leaves summer time on Sunday 1 Nov.
	usDSTNow = at(2026, time.October, 30, 16, 0)
	// springNow is Friday 12 Mar 2027 15:00 UTC; the US enters summer time on Sunday 14 Mar.
	springNow = at(2027, time.March, 12, 15, 0)
)

var longPolite = "Hi there, hope your week is going well! I wanted to ask whether you could please set up one " +
	"of those temporary access passes for our new designer jo@contoso.com, who joins the marketing team on " +
	"Monday at 9am. She will be setting up her laptop and authenticator on her first morning, so 8 hours " +
	"should be plenty. Let me know if you need anything else from me. Many thanks in advance!"

var oversize = "TAP for jo@contoso.com Monday 9am 8 hours onboarding " + strings.Repeat("and some more context ", 100)

// readCases are sentences the older utterance table never saw, several per
// class of issue 11.
var readCases = []readCase{
	// Part 2: a piece that looks like a time, date, zone or duration and is
	// not understood stops the step.
	{class: "unread", text: "TAP for jo@contoso.com tomorrow 14pm 8 hours", kind: readStop, say: "14pm", target: jo, life: 8 * time.Hour},
	{class: "unread", text: "jo@contoso.com Tuesday 10am Narnia time", kind: readStop, say: "Narnia", target: jo},
	{class: "unread", text: "jo@contoso.com Monday 9am Asia/Tokio 8h", kind: readStop, say: "Asia/Tokio", target: jo, life: 8 * time.Hour},
	{class: "unread", text: "jo@contoso.com last Tuesday 10am", kind: readStop, say: "last", target: jo},
	{class: "unread", text: "jo@contoso.com 2 hours ago", kind: readStop, say: "ago", target: jo},
	{class: "unread", text: "jo@contoso.com the day before yesterday 10am", kind: readStop, say: "yesterday", target: jo},
	{class: "unread", text: "jo@contoso.com tomorrow 25:00 2h", kind: readStop, say: "25:00", target: jo, life: 2 * time.Hour},
	{class: "unread", text: "jo@contoso.com Monday 9:75 onboarding", kind: readStop, say: "9:75", target: jo, reason: tap.ReasonOnboarding},
	{class: "unread", text: "jo@contoso.com tomorrow 9ish for 4 hours", kind: readStop, say: "9ish", target: jo, life: 4 * time.Hour},
	{class: "unread", text: "jo@contoso.com Monday 9am Mars time", kind: readStop, say: "Mars", target: jo},
	{class: "unread", text: "jo@contoso.com Monday 9am UTC+25", kind: readStop, say: "UTC+25", target: jo},
	{class: "unread", text: "jo@contoso.com Monday 9am for 8 fortnights", kind: readStop, say: "fortnights", target: jo},
	{class: "unread", text: "jo@contoso.com next month 9am", kind: readStop, say: "month", target: jo},
	{class: "unread", text: "jo@contoso.com Feb 30 9am", kind: readAsk, target: jo},
	{class: "unread", text: "jo@contoso.com Monday 9am XYZT 4 hours", kind: readStop, say: "XYZT", target: jo, life: 4 * time.Hour},
	{class: "unread", text: "jo@contoso.com Tuesday 10am Europe/Narnia", kind: readStop, say: "Europe/Narnia", target: jo},
	{class: "unread", text: "jo@contoso.com at 10 past 9 tomorrow", kind: readStop, target: jo},
	{class: "unread", text: "jo@contoso.com Monday 9am 3 hourz", target: jo, start: nov(30, 14, 0), hire: ny, life: 3 * time.Hour},
	{class: "unread", text: "jo@contoso.com yesterday 9am", kind: readStop, target: jo},
	{class: "unread", text: "jo@contoso.com 8.15 Monday", kind: readStop, say: "8.15", target: jo},
	{class: "unread", prior: []string{"jo@contoso.com onboarding, note: new designer, Europe/Berlin"}, text: "Monday 9am Narnia", kind: readStop, say: "Narnia"},
	{class: "unread", prior: []string{"jo@contoso.com onboarding, note: new designer, Europe/Berlin"}, text: "tomorrow 13pm for 2 hours", kind: readStop, say: "13pm"},

	// Part 2: a message changes only the slots it mentions.
	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "change note to laptop arrives on Monday",
		target: jo, start: nov(28, 14, 0), hire: ny, life: 2 * time.Hour, reason: tap.ReasonOnboarding, just: "laptop arrives on Monday"},
	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "change the note to she starts on Monday at 9",
		target: jo, start: nov(28, 14, 0), hire: ny, life: 2 * time.Hour, reason: tap.ReasonOnboarding, just: "she starts on Monday at 9"},
	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "actually make it 4 hours",
		target: jo, start: nov(28, 14, 0), hire: ny, life: 4 * time.Hour, reason: tap.ReasonOnboarding, just: "laptop", say: "Changed"},
	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "change the start to Monday 10am",
		target: jo, start: nov(30, 15, 0), hire: ny, life: 2 * time.Hour, reason: tap.ReasonOnboarding, just: "laptop", say: "Changed"},
	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "change reason to device enrollment",
		target: jo, start: nov(28, 14, 0), hire: ny, life: 2 * time.Hour, reason: tap.ReasonDeviceEnrollment, just: "laptop", say: "Changed"},
	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "change the note to 8 hours of setup on Tuesday",
		target: jo, start: nov(28, 14, 0), hire: ny, life: 2 * time.Hour, reason: tap.ReasonOnboarding, just: "8 hours of setup on Tuesday"},

	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "Nov 26 9am Asia/Tokyo", kind: readAsk, say: "past",
		target: jo, hire: ny, life: 2 * time.Hour, reason: tap.ReasonOnboarding, just: "laptop"},
	{class: "mentioned", prior: []string{"jo@contoso.com tomorrow 9am 2h onboarding reason: laptop"}, text: "Tuesday Dec 9 9am Europe/Berlin", kind: readAsk, say: "Wednesday",
		target: jo, hire: ny, life: 2 * time.Hour, reason: tap.ReasonOnboarding, just: "laptop"},

	// Part 3: ranges give a start and a lifetime.
	{class: "range", text: "jo@contoso.com Monday 10am to 6pm", target: jo, start: nov(30, 15, 0), life: 8 * time.Hour, hire: ny},
	{class: "range", text: "jo@contoso.com tomorrow from 7am until 11", target: jo, start: nov(28, 12, 0), life: 4 * time.Hour, hire: ny},
	{class: "range", text: "jo@contoso.com Monday 1pm-2pm demo", target: jo, start: nov(30, 18, 0), life: time.Hour, hire: ny, reason: tap.ReasonDemo},
	{class: "range", text: "jo@contoso.com Thursday 9–17", target: jo, start: dec(3, 14, 0), life: 8 * time.Hour, hire: ny},
	{class: "range", text: "jo@contoso.com Thursday 9-17 Europe/Berlin", target: jo, start: dec(3, 8, 0), life: 8 * time.Hour, hire: ber},
	{class: "range", text: "jo@contoso.com tomorrow 9 to 5", target: jo, start: nov(28, 14, 0), life: 8 * time.Hour, hire: ny},
	{class: "range", text: "jo@contoso.com Monday from noon to 4pm Pacific", target: jo, start: nov(30, 20, 0), life: 4 * time.Hour, hire: la},
	{class: "range", text: "jo@contoso.com Tuesday 9am till 1pm", target: jo, start: dec(1, 14, 0), life: 4 * time.Hour, hire: ny},
	{class: "range", text: "jo@contoso.com Monday 22:00 to 06:00", target: jo, start: dec(1, 3, 0), life: 8 * time.Hour, hire: ny},
	{class: "range", text: "jo@contoso.com Dec 3 8:30-12:30 London", target: jo, start: dec(3, 8, 30), life: 4 * time.Hour, hire: lon},
	{class: "range", text: "jo@contoso.com Monday 9am to 9am", kind: readAsk, target: jo},

	// Part 3: dotted, year-first and ordinal dates.
	{class: "dates", text: "jo@contoso.com 04.12.2026 09:00", target: jo, start: dec(4, 14, 0), hire: ny},
	{class: "dates", text: "jo@contoso.com 04.12.2026 09:00 Europe/Berlin 8h", target: jo, start: dec(4, 8, 0), life: 8 * time.Hour, hire: ber},
	{class: "dates", text: "jo@contoso.com 3.12.2026 at 10", target: jo, start: dec(3, 15, 0), hire: ny},
	{class: "dates", text: "jo@contoso.com 2026/12/04 9am", target: jo, start: dec(4, 14, 0), hire: ny},
	{class: "dates", text: "jo@contoso.com 2026/12/07 7:30 2h", target: jo, start: dec(7, 12, 30), life: 2 * time.Hour, hire: ny},
	{class: "dates", text: "jo@contoso.com the 7th 9am", target: jo, start: dec(7, 14, 0), hire: ny},
	{class: "dates", text: "jo@contoso.com on the 3rd at 10", target: jo, start: dec(3, 15, 0), hire: ny},
	{class: "dates", text: "jo@contoso.com 1st December 8am", target: jo, start: dec(1, 13, 0), hire: ny},
	{class: "dates", text: "jo@contoso.com 31.11.2026 9am", kind: readAsk, target: jo},
	{class: "dates", text: "jo@contoso.com 2026/13/04 9am", kind: readAsk, target: jo},
	{class: "dates", text: "jo@contoso.com 4.12 9am", zone: ber, target: jo, start: dec(4, 8, 0), hire: ber},

	// Part 3: slash dates by the requester's zone.
	{class: "slash", text: "jo@contoso.com 12/7 9am", target: jo, start: dec(7, 14, 0), hire: ny},
	{class: "slash", text: "jo@contoso.com 12/3 10am 4h", zone: la, target: jo, start: dec(3, 18, 0), life: 4 * time.Hour, hire: la},
	{class: "slash", text: "jo@contoso.com 12/03/2026 9am", zone: "America/Chicago", target: jo, start: dec(3, 15, 0), hire: "America/Chicago"},
	{class: "slash", text: "jo@contoso.com 15/12 9am", zone: lon, target: jo, start: dec(15, 9, 0), hire: lon},
	{class: "slash", text: "jo@contoso.com 15/12 9am", target: jo, start: dec(15, 14, 0), hire: ny},
	{class: "slash", text: "jo@contoso.com 12/7 9am", zone: lon, kind: readAsk, say: "12/7", target: jo},
	{class: "slash", text: "jo@contoso.com 3/12 9am", zone: ber, kind: readAsk, say: "3/12", target: jo},
	{class: "slash", text: "jo@contoso.com 03/12/2026 9am", zone: "Asia/Kolkata", kind: readAsk, target: jo},
	{class: "slash", text: "jo@contoso.com 20/12/2026 9am", zone: "Asia/Kolkata", target: jo, start: dec(20, 3, 30), hire: "Asia/Kolkata"},
	{class: "slash", text: "jo@contoso.com 13/13 9am", kind: readAsk, target: jo},

	// Part 3: midnight and noon.
	{class: "midday", text: "jo@contoso.com midnight tonight 2h", target: jo, start: nov(28, 5, 0), life: 2 * time.Hour, hire: ny},
	{class: "midday", text: "jo@contoso.com midnight 4 hours", target: jo, start: nov(28, 5, 0), life: 4 * time.Hour, hire: ny},
	{class: "midday", text: "jo@contoso.com noon 2 hours", target: jo, start: nov(27, 17, 0), life: 2 * time.Hour, hire: ny},
	{class: "midday", text: "jo@contoso.com Monday noon Pacific", target: jo, start: nov(30, 20, 0), hire: la},
	{class: "midday", text: "jo@contoso.com tomorrow at midday 3h", target: jo, start: nov(28, 17, 0), life: 3 * time.Hour, hire: ny},
	{class: "midday", text: "jo@contoso.com 12pm Monday", target: jo, start: nov(30, 17, 0), hire: ny},
	{class: "midday", text: "jo@contoso.com 12am Monday", target: jo, start: nov(30, 5, 0), hire: ny},

	// Part 3: a weekday that contradicts the date is asked; a date without
	// a year is its nearest occurrence.
	{class: "weekday-date", text: "jo@contoso.com Tuesday Dec 9 9am", kind: readAsk, say: "Wednesday", target: jo},
	{class: "weekday-date", text: "jo@contoso.com Monday 1 December", kind: readAsk, say: "Tuesday", target: jo},
	{class: "weekday-date", text: "jo@contoso.com Fri 3rd Dec 10am", kind: readAsk, say: "Thursday", target: jo},
	{class: "weekday-date", text: "jo@contoso.com Wednesday Dec 9 9am", target: jo, start: dec(9, 14, 0), hire: ny},
	{class: "weekday-date", text: "jo@contoso.com Thursday 3 December 8am", target: jo, start: dec(3, 13, 0), hire: ny},
	{class: "weekday-date", text: "jo@contoso.com Nov 26 9am", kind: readAsk, say: "past", target: jo},
	{class: "weekday-date", text: "jo@contoso.com 20 November 9am", kind: readAsk, say: "past", target: jo},
	{class: "weekday-date", text: "jo@contoso.com Dec 29 9am", now: rolloverNow, kind: readAsk, say: "past", target: jo},
	{class: "weekday-date", text: "jo@contoso.com Jan 4 9am", now: rolloverNow, target: jo, start: at(2027, 1, 4, 14, 0), hire: ny},
	{class: "weekday-date", text: "jo@contoso.com Monday Jan 4 9am", now: rolloverNow, target: jo, start: at(2027, 1, 4, 14, 0), hire: ny},
	{class: "weekday-date", text: "jo@contoso.com Tuesday Jan 4", now: rolloverNow, kind: readAsk, say: "Monday", target: jo},

	// Part 3: zone words.
	{class: "zone", text: "jo@contoso.com 15:30Z 2h", target: jo, start: nov(27, 15, 30), life: 2 * time.Hour, hire: "UTC"},
	{class: "zone", text: "jo@contoso.com tomorrow 09:00Z", target: jo, start: nov(28, 9, 0), hire: "UTC"},
	{class: "zone", text: "jo@contoso.com tomorrow 9:00 UTC", target: jo, start: nov(28, 9, 0), hire: "UTC"},
	{class: "zone", text: "jo@contoso.com Monday 0900Z", target: jo, start: nov(30, 9, 0), hire: "UTC"},
	{class: "zone", text: "jo@contoso.com Monday 9am my zone", zone: la, target: jo, start: nov(30, 17, 0), hire: la},
	{class: "zone", text: "jo@contoso.com Monday 9am same as me", zone: ber, target: jo, start: nov(30, 8, 0), hire: ber},
	{class: "zone", text: "jo@contoso.com Monday 9am, same zone as me", target: jo, start: nov(30, 14, 0), hire: ny},
	{class: "zone", text: "jo@contoso.com Monday 9am Europe/Lisbon", target: jo, start: nov(30, 9, 0), hire: "Europe/Lisbon"},
	{class: "zone", text: "jo@contoso.com Monday 9am Lisbon", target: jo, start: nov(30, 9, 0), hire: "Europe/Lisbon"},
	{class: "zone", text: "jo@contoso.com Monday 9am Auckland", target: jo, start: nov(29, 20, 0), hire: "Pacific/Auckland"},
	{class: "zone", text: "jo@contoso.com Monday 9am Buenos Aires", target: jo, start: nov(30, 12, 0), hire: "America/Argentina/Buenos_Aires"},
	{class: "zone", text: "jo@contoso.com Monday 9am Helsinki time", target: jo, start: nov(30, 7, 0), hire: "Europe/Helsinki"},
	{class: "zone", text: "jo@contoso.com Monday 9am Nairobi 8h", target: jo, start: nov(30, 6, 0), life: 8 * time.Hour, hire: "Africa/Nairobi"},
	{class: "zone", text: "jo@contoso.com Monday 9am in Vienna", target: jo, start: nov(30, 8, 0), hire: "Europe/Vienna"},
	{class: "zone", text: "jo@contoso.com Monday 9am Europe/Berlin", target: jo, start: nov(30, 8, 0), hire: ber},
	{class: "zone", text: "jo@contoso.com Monday 9am Mexico City", target: jo, start: nov(30, 15, 0), hire: "America/Mexico_City"},

	// Part 3: labelled fields, one per line.
	{class: "labels", text: "TAP for jo@contoso.com\nReason: onboarding\nOne-time: no\nLifetime: 8h\nStart: Monday 9am",
		target: jo, reason: tap.ReasonOnboarding, once: "no", life: 8 * time.Hour, start: nov(30, 14, 0), hire: ny},
	{class: "labels", text: "jo@contoso.com\nReason: recovery\nLifetime: 2h\nStart: now",
		target: jo, reason: tap.ReasonRecovery, life: 2 * time.Hour, asap: true},
	{class: "labels", text: "User: jo@contoso.com\nStart: tomorrow 9am\nZone: Europe/Berlin\nNote: laptop ships Friday",
		target: jo, start: nov(28, 8, 0), hire: ber, just: "laptop ships Friday"},
	{class: "labels", text: "jo@contoso.com\nReason: contractor\nOne-time: yes\nDuration: 2 days",
		target: jo, reason: tap.ReasonContractor, once: "yes", life: 48 * time.Hour},
	{class: "labels", text: "Who: jo@contoso.com\nWhen: Monday 8am\nHow long: 4 hours\nReason: demo",
		target: jo, start: nov(30, 13, 0), hire: ny, life: 4 * time.Hour, reason: tap.ReasonDemo},
	{class: "labels", text: "jo@contoso.com\nreason: onboarding\nlifetime: 8 hours\nnote: joins design on Monday",
		target: jo, reason: tap.ReasonOnboarding, life: 8 * time.Hour, just: "joins design on Monday"},
	{class: "labels", text: "jo@contoso.com\nLifetime: 8 fortnights\nReason: onboarding", kind: readStop, say: "fortnights", target: jo, reason: tap.ReasonOnboarding},

	// Part 3: a reason word followed by a note; reasons inferred from the use cases.
	{class: "reasons", text: "jo@contoso.com Onboarding - new designer joining marketing", target: jo, reason: tap.ReasonOnboarding, just: "new designer joining marketing"},
	{class: "reasons", text: "jo@contoso.com recovery: dropped her phone on the train", target: jo, reason: tap.ReasonRecovery, just: "dropped her phone on the train"},
	{class: "reasons", text: "jo@contoso.com contractor – builds the new payroll reports", target: jo, reason: tap.ReasonContractor, just: "builds the new payroll reports"},
	{class: "reasons", text: "jo@contoso.com now 2h, trying out a new sign-in policy", target: jo, asap: true, life: 2 * time.Hour, reason: tap.ReasonDemo},
	{class: "reasons", text: "jo@contoso.com asap, he dropped his phone in the lake", target: jo, asap: true, reason: tap.ReasonRecovery},
	{class: "reasons", text: "jo@contoso.com is an outside auditor here this week", target: jo, reason: tap.ReasonContractor},
	{class: "reasons", text: "jo@contoso.com is a partner firm's consultant", target: jo, reason: tap.ReasonGuestProject},
	{class: "reasons", text: "jo@contoso.com for a customer demo tomorrow 2pm", target: jo, start: nov(28, 19, 0), hire: ny, reason: tap.ReasonDemo},
	{class: "reasons", text: "jo@contoso.com got a new laptop, needs to enroll it Monday 9am", target: jo, start: nov(30, 14, 0), hire: ny, reason: tap.ReasonDeviceEnrollment},
	{class: "reasons", text: "jo@contoso.com her phone was stolen, now please", target: jo, asap: true, reason: tap.ReasonRecovery},
	{class: "reasons", text: "jo@contoso.com testing a conditional access policy, 1 hour now", target: jo, asap: true, life: time.Hour, reason: tap.ReasonDemo},

	// Part 3: a correction while another question is pending.
	{class: "correction", prior: []string{"jo@contoso.com onboarding"}, text: "actually the reason is contractor", target: jo, reason: tap.ReasonContractor, say: "Changed"},
	{class: "correction", prior: []string{"jo@contoso.com onboarding", "new designer"}, text: "actually the reason is device enrollment", target: jo, reason: tap.ReasonDeviceEnrollment, just: "new designer"},
	{class: "correction", prior: []string{"jo@contoso.com onboarding Monday 9am"}, text: "sorry, make it 4 hours", target: jo, reason: tap.ReasonOnboarding, start: nov(30, 14, 0), hire: ny, life: 4 * time.Hour},
	{class: "correction", prior: []string{"jo@contoso.com onboarding 8h", "new designer"}, text: "actually start Tuesday 9am", target: jo, reason: tap.ReasonOnboarding, just: "new designer", life: 8 * time.Hour, start: dec(1, 14, 0), hire: ny},
	{class: "correction", prior: []string{"jo@contoso.com onboarding 8h", "new designer"}, text: "wait, the zone is Europe/Berlin", target: jo, reason: tap.ReasonOnboarding, just: "new designer", life: 8 * time.Hour, hire: ber},
	{class: "correction", prior: []string{"jo@contoso.com 8h Monday 9am"}, text: "actually the reason is recovery", target: jo, reason: tap.ReasonRecovery, life: 8 * time.Hour, start: nov(30, 14, 0), hire: ny},

	// Part 3: intent.
	{class: "intent", text: "can you book me a room in Berlin?", kind: readIdle},
	{class: "intent", text: "what's the weather in London tomorrow?", kind: readIdle},
	{class: "intent", text: "lunch at noon on Monday?", kind: readIdle},
	{class: "intent", text: "remind me to call Sarah at 3pm", kind: readIdle},
	{class: "intent", text: "is the meeting at 9am Pacific?", kind: readIdle},
	{class: "intent", text: longPolite, target: jo, start: nov(30, 14, 0), hire: ny, life: 8 * time.Hour, reason: tap.ReasonOnboarding},
	{class: "intent", text: "Hello! Could you kindly arrange a temporary access pass for jo@contoso.com starting tomorrow at 9am for 4 hours? Many thanks in advance", target: jo, start: nov(28, 14, 0), hire: ny, life: 4 * time.Hour},
	{class: "intent", text: "Good morning, would it be possible to get a TAP for jo@contoso.com now for 2 hours, she lost her phone. Thanks so much, really appreciate it!", target: jo, asap: true, life: 2 * time.Hour, reason: tap.ReasonRecovery},

	// Part 3: size.
	{class: "size", text: oversize, kind: readStop, say: "2,000"},
	{class: "size", text: strings.Repeat("x", 2001), kind: readStop, say: "2,000"},
	{class: "size", prior: []string{"jo@contoso.com onboarding"}, text: "Monday 9am " + strings.Repeat("é", 2000), kind: readStop, say: "2,000"},

	// Part 4: words that start a request.
	{class: "begin", text: "/tap", kind: readBegin},
	{class: "begin", text: "tap", kind: readBegin},
	{class: "begin", text: "request", kind: readBegin},
	{class: "begin", text: "new", kind: readBegin},
	{class: "begin", text: "/tap jo@contoso.com Monday 9am", target: jo, start: nov(30, 14, 0), hire: ny},
	{class: "begin", text: "new request", kind: readBegin},

	// DST weeks.
	{class: "dst", now: euDSTNow, zone: ber, text: "jo@contoso.com Monday 9am", target: jo, start: at(2026, 10, 26, 8, 0), hire: ber},
	{class: "dst", now: euDSTNow, zone: ber, text: "jo@contoso.com tomorrow 9am", target: jo, start: at(2026, 10, 24, 7, 0), hire: ber},
	{class: "dst", now: euDSTNow, zone: ber, text: "jo@contoso.com Sunday 9am", target: jo, start: at(2026, 10, 25, 8, 0), hire: ber},
	{class: "dst", now: euDSTNow, text: "jo@contoso.com Monday 9am London", target: jo, start: at(2026, 10, 26, 9, 0), hire: lon},
	{class: "dst", now: usDSTNow, text: "jo@contoso.com Sunday 9am", target: jo, start: at(2026, 11, 1, 14, 0), hire: ny},
	{class: "dst", now: usDSTNow, text: "jo@contoso.com tomorrow 9am", target: jo, start: at(2026, 10, 31, 13, 0), hire: ny},
	{class: "dst", now: usDSTNow, text: "jo@contoso.com Monday 9am to 5pm Pacific", target: jo, start: at(2026, 11, 2, 17, 0), life: 8 * time.Hour, hire: la},
	{class: "dst", now: springNow, text: "jo@contoso.com Monday 9am", target: jo, start: at(2027, 3, 15, 13, 0), hire: ny},
	{class: "dst", now: springNow, text: "jo@contoso.com Monday 9am Berlin", target: jo, start: at(2027, 3, 15, 8, 0), hire: ber},
	{class: "dst", now: springNow, text: "jo@contoso.com Saturday 22:00 to 06:00", target: jo, start: at(2027, 3, 14, 3, 0), life: 7 * time.Hour, hire: ny},
	{class: "dst", now: springNow, zone: lon, text: "jo@contoso.com 15/03 9am", target: jo, start: at(2027, 3, 15, 9, 0), hire: lon},

	// The README's one-shot examples.
	{class: "readme", text: "TAP for sarah.johnson@contoso.com Monday 9am Europe/Berlin, 8 hours, onboarding",
		target: "sarah.johnson@contoso.com", start: nov(30, 8, 0), hire: ber, life: 8 * time.Hour, reason: tap.ReasonOnboarding},
	{class: "readme", text: "pass for raj.patel@contoso.com now, 2 hours, he dropped his phone in the lake",
		target: "raj.patel@contoso.com", asap: true, life: 2 * time.Hour, reason: tap.ReasonRecovery},
	{class: "readme", text: "jo@contoso.com Thursday 9-17 Asia/Kolkata, contractor - builds the payroll reports",
		target: jo, start: dec(3, 3, 30), life: 8 * time.Hour, hire: "Asia/Kolkata", reason: tap.ReasonContractor, just: "builds the payroll reports"},
	{class: "readme", text: "jo@contoso.com 04.12.2026 08:30 Lisbon, one-time, device enrollment",
		target: jo, start: dec(4, 8, 30), hire: "Europe/Lisbon", once: "yes", reason: tap.ReasonDeviceEnrollment},
	{class: "readme", text: "jo@contoso.com tomorrow 15:30Z for 90 minutes, trying out a new sign-in policy",
		target: jo, start: nov(28, 15, 30), hire: "UTC", life: 90 * time.Minute, reason: tap.ReasonDemo},
	{class: "readme", text: "TAP for sarah.johnson@contoso.com\nReason: onboarding\nStart: Monday 9am America/Los_Angeles\nLifetime: 8h\nOne-time: no\nNote: new designer joining marketing",
		target: "sarah.johnson@contoso.com", start: nov(30, 17, 0), hire: la, life: 8 * time.Hour, once: "no", reason: tap.ReasonOnboarding, just: "new designer joining marketing"},

	// Year rollover.
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com Monday 9am", target: jo, start: at(2027, 1, 4, 14, 0), hire: ny},
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com 2027-01-02 10:00", target: jo, start: at(2027, 1, 2, 15, 0), hire: ny},
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com the 2nd 9am", target: jo, start: at(2027, 1, 2, 14, 0), hire: ny},
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com 04.01.2027 9am", target: jo, start: at(2027, 1, 4, 14, 0), hire: ny},
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com 1/4 9am", target: jo, start: at(2027, 1, 4, 14, 0), hire: ny},
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com midnight tonight 4h", target: jo, start: at(2026, 12, 31, 5, 0), life: 4 * time.Hour, hire: ny},
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com 31 Dec 11pm to 2am", target: jo, start: at(2027, 1, 1, 4, 0), life: 3 * time.Hour, hire: ny},
	{class: "rollover", now: rolloverNow, zone: "Asia/Tokyo", text: "jo@contoso.com tomorrow 9am", target: jo, start: at(2027, 1, 1, 0, 0), hire: "Asia/Tokyo"},
	{class: "rollover", now: rolloverNow, text: "jo@contoso.com Jan 1 2026 9am", kind: readAsk, say: "past", target: jo},
}
