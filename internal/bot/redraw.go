package bot

import (
	"context"
	"errors"
	"slices"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// requesterView is a requester's message about r redrawn after r moved
// on: the state in words and, on the live (newest) message, only the
// buttons that still apply.
func requesterView(r *tap.Request, reader string, live bool) chat.Message {
	m := RequesterCard(r, statusLine(r), reader)
	if !live {
		m.Buttons = nil
		m.Note = text.RequestNote(string(r.ID))
	}
	return m
}

// clickedView is the clicked message as it reads for req now, for the
// clicker: an approval card (without the buttons they can no longer use),
// or one of the requester's messages; false when it is neither.
func (r *Router) clickedView(ctx context.Context, req *tap.Request, clicked tap.Ref, actor tap.Actor) (chat.Message, bool) {
	if clicked == (tap.Ref{}) {
		return chat.Message{}, false
	}
	if indexOf(req.Refs, clicked) >= 0 {
		return approvalViewOf(req, actor), true
	}
	if i := indexOf(req.RequesterRefs, clicked); i >= 0 {
		return requesterView(req, r.requesterZone(ctx, req), i == len(req.RequesterRefs)-1), true
	}
	return chat.Message{}, false
}

// stale answers a refused click in one line and redraws the clicked card
// in the request's current state: on the clicker's surface when the
// platform has one (Teams: the invoke answer is the card with the line
// above it), and for everyone who sees it.
func (r *Router) stale(ctx context.Context, ev chat.Event, id tap.RequestID, actor tap.Actor, err error) {
	req, gerr := r.svc.Get(ctx, id)
	if gerr != nil {
		r.say(ctx, ev, err)
		return
	}
	view, ok := r.clickedView(ctx, req, ev.Message, actor)
	if !ok || ev.Redraw == nil || ev.Redraw(ctx, view, Say(r.log, err)) != nil {
		r.say(ctx, ev, err)
	}
	r.refreshClicked(ctx, req, ev.Message)
}

// redrawClicked answers a click that went through with the clicked card
// in its new state, on the clicker's surface (Teams), never a bare "Done.".
// Everyone else's view is redrawn by the request's notice.
func (r *Router) redrawClicked(ctx context.Context, ev chat.Event, id tap.RequestID, actor tap.Actor) {
	if ev.Redraw == nil {
		return
	}
	req, err := r.svc.Get(ctx, id)
	if err != nil {
		return
	}
	if view, ok := r.clickedView(ctx, req, ev.Message, actor); ok {
		if err := ev.Redraw(ctx, view, ""); err != nil {
			r.log.Warn("redraw clicked card", "platform", ev.User.Platform, "err", err)
		}
	}
}

// refreshClicked redraws the clicked message for everyone after a refused
// click, so a stale card (buttons that no longer apply) catches up with
// the stored state. A pending approval card is already right, and an
// issuing request is redrawn by its own notice; redrawing those could
// only put an older view back.
func (r *Router) refreshClicked(ctx context.Context, req *tap.Request, clicked tap.Ref) {
	if i := indexOf(req.RequesterRefs, clicked); i >= 0 {
		m := requesterView(req, r.requesterZone(ctx, req), i == len(req.RequesterRefs)-1)
		if err := r.draw(ctx, req.RequesterRefs[i], req.Version, true, m); err != nil {
			r.log.Warn("refresh requester card", "request_id", req.ID, "err", err)
		}
		return
	}
	if req.State == tap.StatePending || req.State == tap.StateIssuing {
		return
	}
	refs := req.Refs
	if i := indexOf(refs, clicked); i >= 0 {
		refs = refs[i : i+1] // only the card that was clicked; else all of them
	}
	for _, ref := range refs {
		if err := r.drawCard(ctx, ref, req, true); err != nil {
			r.log.Warn("refresh approval card", "request_id", req.ID, "err", err)
		}
	}
}

// indexOf finds the message clicked among refs: the same message in the
// same conversation (an inbound click's Extra, Teams' serviceUrl, may be
// spelled differently from the one stored when the message was posted).
func indexOf(refs []tap.Ref, clicked tap.Ref) int {
	if clicked.Message == "" {
		return -1
	}
	return slices.IndexFunc(refs, func(ref tap.Ref) bool {
		return ref.Platform == clicked.Platform && ref.Conversation == clicked.Conversation && ref.Message == clicked.Message
	})
}

// summarySent redraws the summary whose "Confirm and send" sent saved as
// the request's card (its state, no buttons: the notice that follows
// carries them) and records it, so it follows the request from now on and
// an old Confirm cannot be pressed again.
func (r *Router) summarySent(ctx context.Context, ev chat.Event, saved *tap.Request) {
	if ev.Kind != chat.KindAction || ev.Message.Message == "" || saved == nil {
		return
	}
	m := requesterView(saved, r.requesterZone(ctx, saved), false)
	if ev.Redraw != nil {
		if err := ev.Redraw(ctx, m, ""); err != nil {
			r.log.Warn("redraw confirmed summary", "platform", ev.User.Platform, "err", err)
		}
	}
	if err := r.draw(ctx, ev.Message, saved.Version, false, m); err != nil {
		r.log.Warn("redraw confirmed summary", "request_id", saved.ID, "err", err)
	}
	if err := r.svc.AddSummaryRef(ctx, saved.ID, ev.Message); err != nil {
		r.log.Warn("record confirmed summary", "request_id", saved.ID, "err", err)
	}
}

// dialogEnded reports whether a dialog button (ActionSay) was clicked with
// no conversation open: a summary or question left from one that ended.
// Typing the same word still goes to the dialog.
func (r *Router) dialogEnded(ctx context.Context, ev chat.Event) bool {
	_, err := r.d.Store.GetSession(ctx, sessionKey(ev))
	return errors.Is(err, tap.ErrNotFound)
}

// refresh answers a platform asking for a reader's own view of an
// approval card (Teams' Universal Actions refresh, chat.Personal): the
// card as they may use it — Approve and Deny only for an approver who may
// still decide. It changes nothing and tells nobody; a request that
// cannot be read leaves the shared card as it is.
func (r *Router) refresh(ctx context.Context, ev chat.Event, actor tap.Actor) {
	if ev.Redraw == nil {
		return
	}
	req, err := r.svc.Get(ctx, tap.RequestID(ev.Value))
	if err != nil {
		return
	}
	view := approvalViewOf(req, actor)
	if len(view.Buttons) > 0 {
		if ok, err := r.svc.IsApprover(ctx, actor); err != nil || !ok {
			view.Buttons = nil
		}
	}
	if err := ev.Redraw(ctx, view, ""); err != nil {
		r.log.Warn("answer a card refresh", "platform", ev.User.Platform, "err", err)
	}
}

// approvalViewOf is the approval card as actor sees it on their own
// surface (an invoke answer): a pending card keeps Approve and Deny only
// for someone who may still decide, so the first of two approvers, the
// requester and the new hire see the state without them. The shared card
// everyone else sees keeps its buttons.
func approvalViewOf(r *tap.Request, actor tap.Actor) chat.Message {
	m := ApprovalCard(r)
	if r.State != tap.StatePending {
		return m
	}
	if actor.EntraID == "" {
		m.Buttons = nil
		return m
	}
	decided := slices.ContainsFunc(r.Approvals, func(d tap.Decision) bool { return d.Approver.EntraID == actor.EntraID })
	if decided || actor.EntraID == r.Requester.EntraID || actor.EntraID == r.Target.ID {
		m.Buttons = nil
	}
	return m
}
