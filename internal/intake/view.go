package intake

import (
	"slices"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// View is a request as the API shows it: its state and timeline, never
// the pass (a tap.Request's sealed bytes are not part of it).
type View struct {
	ID              string    `json:"id"`
	State           string    `json:"state"`
	Target          Person    `json:"target"`
	Requester       Person    `json:"requester"`
	Start           time.Time `json:"start,omitzero"`
	TimeZone        string    `json:"time_zone,omitempty"`
	LifetimeMinutes int       `json:"lifetime_minutes"`
	OneTime         bool      `json:"one_time"`
	Reason          string    `json:"reason"`
	ExternalRef     string    `json:"external_ref,omitempty"`
	Notes           string    `json:"notes,omitempty"`
	Warnings        []string  `json:"warnings,omitempty"`
	ApprovalsNeeded int       `json:"approvals_needed"`
	PassExpires     time.Time `json:"pass_expires,omitzero"`
	FailReason      string    `json:"fail_reason,omitempty"`
	Timeline        []Step    `json:"timeline"`
}

// Person names a user.
type Person struct {
	ID          string `json:"id,omitempty"`
	UPN         string `json:"upn,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
}

// Step is one event of a request's timeline.
type Step struct {
	At    time.Time `json:"at"`
	Event string    `json:"event"`
	By    string    `json:"by,omitempty"`
}

// List is the answer of GET /api/v1/requests.
type List struct {
	Requests []View `json:"requests"`
}

func viewOf(r *tap.Request) View {
	v := View{
		ID: string(r.ID), State: string(r.State),
		Target:    Person{ID: string(r.Target.ID), UPN: r.Target.UPN, DisplayName: r.Target.DisplayName},
		Requester: Person{ID: string(r.Requester.EntraID), UPN: r.Requester.Email, DisplayName: r.Requester.Name},
		Start:     r.Start, TimeZone: r.HireZone, LifetimeMinutes: int(r.Lifetime / time.Minute),
		OneTime: r.OneTime, Reason: string(r.Reason), Warnings: r.Warnings,
		ApprovalsNeeded: r.ApprovalsNeeded, PassExpires: r.PassExpires, FailReason: r.FailReason,
	}
	if r.Intake != nil {
		v.ExternalRef, v.Notes = r.Intake.ExternalRef, r.Intake.Notes
	}
	v.Timeline = timeline(r)
	return v
}

// timeline rebuilds the request's events from its timestamps, in order.
func timeline(r *tap.Request) []Step {
	steps := []Step{{At: r.CreatedAt, Event: "submitted", By: r.Requester.Name}}
	for _, d := range r.Approvals {
		steps = append(steps, Step{At: d.At, Event: "approved", By: d.Approver.Name})
	}
	if r.State == tap.StateDenied && !r.DecidedAt.IsZero() {
		by := ""
		if r.DecidedBy != nil {
			by = r.DecidedBy.Name
		}
		steps = append(steps, Step{At: r.DecidedAt, Event: "denied", By: by})
	}
	if !r.IssuedAt.IsZero() {
		steps = append(steps, Step{At: r.IssuedAt, Event: "issued"})
	}
	if !r.RevealedAt.IsZero() {
		steps = append(steps, Step{At: r.RevealedAt, Event: "revealed", By: r.Requester.Name})
	}
	if !r.ClosedAt.IsZero() && r.State != tap.StateDenied {
		steps = append(steps, Step{At: r.ClosedAt, Event: string(r.State)})
	}
	slices.SortStableFunc(steps, func(a, b Step) int { return a.At.Compare(b.At) })
	return steps
}

// Checked is a validated request as it would be submitted (the answer of
// POST /api/v1/requests/validate): no id, nothing stored.
type Checked struct {
	Target          Person    `json:"target"`
	Requester       Person    `json:"requester"`
	Start           time.Time `json:"start,omitzero"`
	TimeZone        string    `json:"time_zone,omitempty"`
	LifetimeMinutes int       `json:"lifetime_minutes"`
	OneTime         bool      `json:"one_time"`
	Reason          string    `json:"reason"`
	Warnings        []string  `json:"warnings,omitempty"`
	ApprovalsNeeded int       `json:"approvals_needed"`
}

func checkedOf(r *tap.Request) Checked {
	v := viewOf(r)
	return Checked{Target: v.Target, Requester: v.Requester, Start: v.Start, TimeZone: v.TimeZone,
		LifetimeMinutes: v.LifetimeMinutes, OneTime: v.OneTime, Reason: v.Reason, Warnings: v.Warnings,
		ApprovalsNeeded: v.ApprovalsNeeded}
}
