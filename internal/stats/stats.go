// Package stats computes the onboarding success numbers from
// the request history: how many passes were asked for, approved,
// revealed, used to set up a strong method, or left to expire; the
// median time to approve, to reveal and to finish setup; and passwordless
// adoption (confirmed / revealed).
package stats

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Report is the numbers for the requests created in [From, To).
// Outcomes count what happened to those requests so far, whenever it
// happened (a cohort view: a request made in the period and confirmed
// the day after counts as confirmed).
type Report struct {
	From, To time.Time

	Created   int // requests made
	Approved  int // approved by enough approvers
	Denied    int
	Cancelled int
	Issued    int // passes created in Entra (a Graph method id was recorded)
	Revealed  int // passes shown to the requester
	// Used is passes a sign-in with them was seen for (the watch's first
	// use: needs the sign-in logs; one-time passes also show it).
	Used      int
	Confirmed int // new hire set up a strong method; pass removed
	// ExpiredPending is requests that expired waiting for an approver.
	ExpiredPending int
	// ExpiredUnused is approved requests that expired without a confirmed
	// setup: the pass lapsed unrevealed, or ran out before the new hire
	// finished, or (issue on reveal) was never minted.
	ExpiredUnused int
	Revoked       int
	Failed        int
	Open          int // still in flight

	// Medians over the requests that reached the later timestamp.
	TimeToApprove Median // CreatedAt → DecidedAt
	TimeToReveal  Median // IssuedAt → RevealedAt
	TimeToConfirm Median // RevealedAt → ClosedAt
	TimeToUse     Median // RevealedAt → the first sign-in with the pass

	// Ratings is how many new hires rated their setup (1–5) and
	// RatingSum the sum of their ratings.
	Ratings, RatingSum int
}

// Satisfaction is the average setup rating, and false with no ratings.
func (r Report) Satisfaction() (float64, bool) {
	if r.Ratings == 0 {
		return 0, false
	}
	return float64(r.RatingSum) / float64(r.Ratings), true
}

// Median is a median duration over N samples (zero N: no data), with
// the 90th percentile (nearest rank) beside it.
type Median struct {
	D   time.Duration
	P90 time.Duration
	N   int
}

// Adoption is confirmed / revealed, and false when nothing was revealed.
func (r Report) Adoption() (float64, bool) {
	if r.Revealed == 0 {
		return 0, false
	}
	return float64(r.Confirmed) / float64(r.Revealed), true
}

// AdoptionOfUsed is the article's ratio, confirmed / used, and false when
// no use was seen or the sign-in logs cannot tell (fewer uses seen than
// setups confirmed: every confirmed setup began with the pass).
func (r Report) AdoptionOfUsed() (float64, bool) {
	if r.Used == 0 || r.Used < r.Confirmed {
		return 0, false
	}
	return float64(r.Confirmed) / float64(r.Used), true
}

// Compute builds the report for requests created in [from, to). A zero
// from or to leaves that end open.
func Compute(reqs []*tap.Request, from, to time.Time) Report {
	rep := Report{From: from, To: to}
	var approve, reveal, confirm, use []time.Duration
	for _, r := range reqs {
		if r == nil || (!from.IsZero() && r.CreatedAt.Before(from)) || (!to.IsZero() && !r.CreatedAt.Before(to)) {
			continue
		}
		rep.Created++
		// IssuedAt also marks the claim before the Graph call; only a
		// method id proves a pass was created.
		issued := r.MethodID != ""
		revealed := !r.RevealedAt.IsZero()
		if approved(r) {
			rep.Approved++
			if !r.DecidedAt.IsZero() {
				approve = append(approve, r.DecidedAt.Sub(r.CreatedAt))
			}
		}
		if issued {
			rep.Issued++
		}
		if revealed {
			rep.Revealed++
			if issued {
				reveal = append(reveal, r.RevealedAt.Sub(r.IssuedAt))
			}
		}
		if r.Feedback != nil {
			rep.Ratings++
			rep.RatingSum += r.Feedback.Score
		}
		if r.FirstUse != nil {
			rep.Used++
			if revealed && r.FirstUse.At.After(r.RevealedAt) {
				use = append(use, r.FirstUse.At.Sub(r.RevealedAt))
			}
		}
		switch r.State {
		case tap.StateDenied:
			rep.Denied++
		case tap.StateCancelled:
			rep.Cancelled++
		case tap.StateConfirmed:
			rep.Confirmed++
			if revealed && !r.ClosedAt.IsZero() {
				confirm = append(confirm, r.ClosedAt.Sub(r.RevealedAt))
			}
		case tap.StateExpired:
			if approved(r) {
				rep.ExpiredUnused++
			} else {
				rep.ExpiredPending++
			}
		case tap.StateRevoked:
			rep.Revoked++
		case tap.StateFailed:
			rep.Failed++
		default:
			rep.Open++
		}
	}
	rep.TimeToApprove = median(approve)
	rep.TimeToReveal = median(reveal)
	rep.TimeToConfirm = median(confirm)
	rep.TimeToUse = median(use)
	return rep
}

// ByReason computes one report per reason for requests created in
// [from, to); reasons nobody used are absent.
func ByReason(reqs []*tap.Request, from, to time.Time) map[tap.Reason]Report {
	groups := map[tap.Reason][]*tap.Request{}
	for _, r := range reqs {
		if r != nil {
			groups[r.Reason] = append(groups[r.Reason], r)
		}
	}
	out := make(map[tap.Reason]Report, len(groups))
	for reason, rs := range groups {
		if rep := Compute(rs, from, to); rep.Created > 0 {
			out[reason] = rep
		}
	}
	return out
}

// Load reads every request created since from and computes the report.
func Load(ctx context.Context, s tap.Store, from, to time.Time) (Report, error) {
	reqs, err := s.ListRequests(ctx, tap.RequestFilter{Since: from})
	if err != nil {
		return Report{}, fmt.Errorf("load requests for stats: %w", err)
	}
	return Compute(reqs, from, to), nil
}

// approved reports whether r got past the approvers.
func approved(r *tap.Request) bool {
	switch r.State {
	case tap.StateApproved, tap.StateIssuing, tap.StateIssued, tap.StateDelivered,
		tap.StateConfirmed, tap.StateRevoked, tap.StateFailed:
		return true
	case tap.StatePending, tap.StateDenied, tap.StateCancelled:
		return false
	}
	// Expired: from pending (not approved) or after approval.
	need := max(r.ApprovalsNeeded, 1)
	return r.MethodID != "" || len(r.Approvals) >= need
}

func median(ds []time.Duration) Median {
	if len(ds) == 0 {
		return Median{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	p90 := s[(9*n+9)/10-1] // nearest rank: ceil(0.9 n)
	if n%2 == 1 {
		return Median{D: s[n/2], P90: p90, N: n}
	}
	return Median{D: (s[n/2-1] + s[n/2]) / 2, P90: p90, N: n}
}

// Facts lays the report out for a chat message.
func (r Report) Facts() []chat.Fact {
	f := []chat.Fact{
		{Label: text.StatsPeriodLabel, Value: period(r.From, r.To)},
		{Label: text.StatsRequests, Value: fmt.Sprintf(text.StatsRequestsValue, r.Created, r.Approved, r.Denied, r.Cancelled)},
		{Label: text.StatsCreatedVsUsed, Value: createdVsUsed(r)},
		{Label: text.StatsRevealed, Value: fmt.Sprint(r.Revealed)},
		{Label: text.StatsSignedIn, Value: fmt.Sprintf(text.StatsSignedInValue, r.Used)},
		{Label: text.StatsExpired, Value: fmt.Sprintf(text.StatsExpiredValue, r.ExpiredUnused, r.ExpiredPending)},
		{Label: text.StatsRevokedFailed, Value: fmt.Sprintf("%d / %d", r.Revoked, r.Failed)},
		{Label: text.StatsStillOpen, Value: fmt.Sprint(r.Open)},
		{Label: text.StatsToApprove, Value: r.TimeToApprove.String()},
		{Label: text.StatsToReveal, Value: r.TimeToReveal.String()},
		{Label: text.StatsToUse, Value: r.TimeToUse.String()},
		{Label: text.StatsToConfirm, Value: r.TimeToConfirm.String()},
	}
	adoption := text.StatsNoneRevealed
	if a, ok := r.Adoption(); ok {
		adoption = fmt.Sprintf(text.StatsAdoptionValue, percent(a), r.Confirmed, r.Revealed)
		if u, ok := r.AdoptionOfUsed(); ok {
			adoption += text.StatsAdoptionOfUsed(percent(u), r.Used)
		}
	}
	rating := text.StatsNoRatings
	if avg, ok := r.Satisfaction(); ok {
		rating = text.StatsSatisfactionValue(avg, r.Ratings)
	}
	return append(f, chat.Fact{Label: text.StatsAdoption, Value: adoption}, chat.Fact{Label: text.StatsSatisfaction, Value: rating})
}

func createdVsUsed(r Report) string {
	if r.Issued == 0 {
		return text.StatsNoneCreated
	}
	return fmt.Sprintf(text.StatsCreatedValue, r.Issued, r.Confirmed, percent(float64(r.Confirmed)/float64(r.Issued)))
}

// String writes the median and its sample size, or "no data".
func (m Median) String() string {
	if m.N == 0 {
		return text.StatsNoData
	}
	return fmt.Sprintf(text.StatsMedian, Human(m.D), m.N)
}

func percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// period names the days covered; to is exclusive, so a period ending at
// midnight ends on the day before.
func period(from, to time.Time) string {
	const day = "2 Jan 2006"
	if !to.IsZero() {
		to = to.Add(-time.Nanosecond)
	}
	switch {
	case from.IsZero() && to.IsZero():
		return text.StatsAllTime
	case to.IsZero():
		return text.StatsSince(from.UTC().Format(day))
	case from.IsZero():
		return text.StatsUntil(to.UTC().Format(day))
	}
	return text.StatsFromTo(from.UTC().Format(day), to.UTC().Format(day))
}

// Human writes a duration briefly: "45s", "12m", "1h 5m", "2d 3h".
func Human(d time.Duration) string {
	if d < 0 {
		return "-" + Human(-d)
	}
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h := int(d / time.Hour)
	m := int((d - time.Duration(h)*time.Hour) / time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if len(parts) == 0 {
		return "0m"
	}
	return strings.Join(parts, " ")
}
