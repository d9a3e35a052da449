package bot

import (
	"context"
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

// refreshClicked redraws the clicked message after a refused click, so a
// stale card (buttons that no longer apply) catches up with the stored
// state: an approval card for everyone, or the requester's own message.
// A pending approval card is already right, and an issuing request is
// redrawn by its own notice; redrawing those could only put an older view
// back. It returns the card as now drawn (zero when none was).
func (r *Router) refreshClicked(ctx context.Context, id tap.RequestID, clicked tap.Ref, actor tap.Actor) chat.Message {
	req, err := r.svc.Get(ctx, id)
	if err != nil {
		return chat.Message{}
	}
	mine := actor.EntraID != "" && actor.EntraID == req.Requester.EntraID
	switch {
	case clicked != (tap.Ref{}) && mine && !slices.Contains(req.Refs, clicked):
		n := len(req.RequesterRefs)
		m := requesterView(req, r.requesterZone(ctx, req), n > 0 && req.RequesterRefs[n-1] == clicked)
		if err := r.draw(ctx, clicked, req.Version, true, m); err != nil {
			r.log.Warn("refresh requester card", "request_id", id, "err", err)
			return chat.Message{}
		}
		return m
	case req.State == tap.StatePending || req.State == tap.StateIssuing:
		return chat.Message{}
	}
	refs := req.Refs
	if slices.Contains(refs, clicked) {
		refs = []tap.Ref{clicked} // only the card that was clicked; else all of them
	}
	for _, ref := range refs {
		if err := r.drawCard(ctx, ref, req, true); err != nil {
			r.log.Warn("refresh approval card", "request_id", id, "err", err)
		}
	}
	return ApprovalCard(req)
}

// stale answers a refused click in one line and redraws the clicked card
// in the request's current state.
func (r *Router) stale(ctx context.Context, ev chat.Event, id tap.RequestID, actor tap.Actor, err error) {
	r.say(ctx, ev, err)
	r.refreshClicked(ctx, id, ev.Message, actor)
}
