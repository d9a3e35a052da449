package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// targetName is how a target is named in sentences.
func targetName(u tap.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.UPN
}

func actorName(a tap.Actor) string {
	switch {
	case a.Name != "":
		return a.Name
	case a.Email != "":
		return a.Email
	default:
		return a.ChatID
	}
}

// Lifetime renders a duration in words ("8 hours", "1 hour 30 minutes").
func Lifetime(d time.Duration) string {
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h := int(d / time.Hour)
	m := int((d - time.Duration(h)*time.Hour) / time.Minute)
	var parts []string
	unit := func(n int, s string) {
		if n == 1 {
			parts = append(parts, "1 "+s)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %ss", n, s))
		}
	}
	unit(days, "day")
	unit(h, "hour")
	unit(m, "minute")
	if len(parts) == 0 {
		return "0 minutes"
	}
	return strings.Join(parts, " ")
}

// When renders t in zone and in UTC: "Mon 30 Nov 2026 07:00 PST (15:00 UTC)".
func When(t time.Time, zone string) string {
	if t.IsZero() {
		return text.AsSoonAsIssued
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = time.UTC
	}
	local := t.In(loc)
	if loc == time.UTC {
		return local.Format("Mon 2 Jan 2006 15:04 UTC")
	}
	return local.Format("Mon 2 Jan 2006 15:04 MST") + " (" + t.UTC().Format("15:04 UTC") + ")"
}

func yesNo(b bool) string {
	if b {
		return text.OneTimeUse
	}
	return text.MultiUseLifetime
}

// requestFacts are the facts every view of a request shows, its times
// for reader (IANA; "" for a card many people read).
func requestFacts(r *tap.Request, reader string) []chat.Fact {
	t := r.Target
	facts := []chat.Fact{
		{Label: text.FactNewHire, Value: fmt.Sprintf("%s (%s)", targetName(t), t.UPN)},
	}
	if t.Department != "" {
		facts = append(facts, chat.Fact{Label: text.FactDepartment, Value: t.Department})
	}
	if !t.HireDate.IsZero() {
		facts = append(facts, chat.Fact{Label: text.FactHireDate, Value: t.HireDate.UTC().Format("Mon 2 Jan 2006")})
	}
	facts = append(facts,
		chat.Fact{Label: text.FactRequestedBy, Value: actorName(r.Requester)},
		chat.Fact{Label: text.FactStarts, Value: viewOf(r, reader).at(r.Start)},
		chat.Fact{Label: text.FactLifetime, Value: Lifetime(r.Lifetime)},
		chat.Fact{Label: text.FactUse, Value: yesNo(r.OneTime)},
		chat.Fact{Label: text.FactReason, Value: strings.ReplaceAll(string(r.Reason), "_", " ")},
	)
	if r.Justification != "" {
		facts = append(facts, chat.Fact{Label: text.FactJustification, Value: r.Justification})
	}
	if r.ReissueOf != "" {
		facts = append(facts, chat.Fact{Label: text.FactReplaces, Value: text.ReplacesValue(string(r.ReissueOf))})
	}
	if len(r.SameApprovers) > 0 {
		names := make([]string, len(r.SameApprovers))
		for i, a := range r.SameApprovers {
			names[i] = actorName(a)
		}
		facts = append(facts, chat.Fact{Label: text.FactSameApprover, Value: text.SameApproverValue(strings.Join(names, " or "))})
	}
	if in := r.Intake; in != nil {
		facts = append(facts, chat.Fact{Label: text.FactAskedBy, Value: fmt.Sprintf(text.IntakeSource, in.Caller)})
		if in.ExternalRef != "" {
			facts = append(facts, chat.Fact{Label: text.FactHRReference, Value: in.ExternalRef})
		}
		if in.Notes != "" {
			facts = append(facts, chat.Fact{Label: text.FactHRNotes, Value: in.Notes})
		}
	}
	for _, w := range r.Warnings {
		facts = append(facts, chat.Fact{Label: text.FactWarning, Value: w})
	}
	return facts
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return text.Stamp(t.UTC().Format("15:04 UTC, 2 Jan"))
}

// statusLine says where a request stands, for the approval card.
func statusLine(r *tap.Request) string {
	by := ""
	if r.DecidedBy != nil {
		by = chat.Esc(actorName(*r.DecidedBy))
	}
	switch r.State {
	case tap.StatePending:
		if n := len(r.Approvals); n > 0 && r.ApprovalsNeeded > n {
			return text.StatusSecondApprover(chat.Esc(actorName(r.Approvals[0].Approver)))
		}
		return text.StatusPending
	case tap.StateApproved:
		if r.Queued() {
			return text.StatusQueued(by, stamp(r.DecidedAt))
		}
		return text.StatusApproved(by, stamp(r.DecidedAt))
	case tap.StateIssuing:
		return text.StatusIssuing(by, stamp(r.DecidedAt))
	case tap.StateIssued:
		return text.StatusIssued(by, stamp(r.DecidedAt))
	case tap.StateDelivered:
		return text.StatusDelivered(by, stamp(r.DecidedAt), stamp(r.RevealedAt))
	case tap.StateConfirmed:
		return text.StatusConfirmed(stamp(r.ClosedAt))
	case tap.StateDenied:
		return text.StatusDenied(by, stamp(r.DecidedAt), chat.Esc(r.DecisionReason))
	case tap.StateCancelled, tap.StateRevoked:
		if r.ReplacedBy != "" {
			return text.StatusReplaced(stamp(r.ClosedAt), string(r.ReplacedBy))
		}
		if r.ClosedBy != nil && r.ClosedReason != "" {
			return text.StatusWithdrawn(chat.Esc(actorName(*r.ClosedBy)), stamp(r.ClosedAt), chat.Esc(r.ClosedReason))
		}
		if r.State == tap.StateRevoked {
			return text.StatusRevoked(stamp(r.ClosedAt))
		}
		return text.StatusCancelled(stamp(r.ClosedAt))
	case tap.StateExpired:
		return text.StatusExpired(stamp(r.ClosedAt)) + thenReplaced(r)
	case tap.StateFailed:
		return text.StatusFailed(chat.Esc(r.FailReason)) + thenReplaced(r)
	}
	return string(r.State)
}

// thenReplaced says, after an expired or failed request's status, which
// request replaced it ("" when none did).
func thenReplaced(r *tap.Request) string {
	if r.ReplacedBy == "" {
		return ""
	}
	return text.ThenReplaced(string(r.ReplacedBy))
}

// ApprovalCard is the approvers' view of a request; it has buttons only
// while a decision is possible. Its times are for everyone who reads the
// approvers channel: the new hire's and the requester's zones, and UTC.
func ApprovalCard(r *tap.Request) chat.Message { return approvalCardFor(r, "") }

// approvalCardFor is the approval card as one reader sees it, its times in
// their zone (reader "" for a shared card).
func approvalCardFor(r *tap.Request, reader string) chat.Message {
	m := chat.Message{
		Title: text.RequestTitle(targetName(r.Target)),
		Text:  statusLine(r),
		Facts: requestFacts(r, reader),
		Note:  text.RequestNote(string(r.ID)),
	}
	if r.State == tap.StatePending {
		m.Buttons = []chat.Button{
			{Action: chat.ActionApprove, Label: text.ApproveButton, Value: string(r.ID), Style: chat.StylePrimary,
				Confirm: fmt.Sprintf(text.ApproveConfirm, targetName(r.Target))},
			{Action: chat.ActionDeny, Label: text.DenyButton, Value: string(r.ID), Style: chat.StyleDanger},
		}
		m.Personal = &chat.Personal{Action: chat.ActionRefresh, Value: string(r.ID), Viewers: viewers(r)}
	}
	return m
}

// viewers are the people who see a pending approval card without its
// buttons (approvalViewOf): the requester, the new hire and each approver
// who already approved. Every other approver's own view is the shared
// card; anyone else gets theirs on request. The bot cannot list an
// approver group's members without one more Graph permission, and does
// not need to.
func viewers(r *tap.Request) []tap.UserID {
	var out []tap.UserID
	add := func(id tap.UserID) {
		if id != "" && len(out) < chat.MaxViewers && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	add(r.Requester.EntraID)
	add(r.Target.ID)
	for _, d := range r.Approvals {
		add(d.Approver.EntraID)
	}
	return out
}

// RequesterCard is the requester's view of their request, its times in
// reader, the requester's zone.
func RequesterCard(r *tap.Request, body, reader string) chat.Message {
	m := chat.Message{Text: body, Facts: requestFacts(r, reader), Note: text.RequestNote(string(r.ID))}
	switch {
	case r.State == tap.StatePending, r.Queued():
		// Queued: nothing to reveal yet; it can still be withdrawn.
		m.Buttons = []chat.Button{{Action: chat.ActionCancel, Label: text.CancelButton, Value: string(r.ID)}}
	case r.State == tap.StateIssued, r.State == tap.StateApproved:
		m.Buttons = []chat.Button{
			{Action: chat.ActionReveal, Label: text.RevealButton, Value: string(r.ID), Style: chat.StylePrimary},
			{Action: chat.ActionRevoke, Label: text.RevokeButton, Value: string(r.ID), Style: chat.StyleDanger},
		}
		m.Note = text.RevealNote
	case r.State == tap.StateDelivered:
		m.Buttons = []chat.Button{{Action: chat.ActionRevoke, Label: text.RevokeButton, Value: string(r.ID), Style: chat.StyleDanger}}
	case r.State == tap.StateExpired, r.State == tap.StateFailed:
		// The article's backup plan: expired, not revealed in time,
		// failed; once a reissue replaced it, nothing is left to do here.
		if r.ReplacedBy == "" {
			m.Buttons = []chat.Button{reissueButton(r.ID)}
		}
	}
	return m
}

// DenyForm asks an approver for the reason.
func DenyForm(id tap.RequestID) chat.Message {
	return chat.Message{Form: &chat.Form{
		ID: chat.FormDeny, Title: text.DenyTitle, Submit: text.DenySubmit, State: string(id),
		Fields: []chat.Field{{ID: "reason", Label: text.DenyReason, Kind: chat.FieldTextArea}},
	}}
}
