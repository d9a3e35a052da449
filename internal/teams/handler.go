package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/loopback"
	"github.com/tapbot/tapbot/internal/text"
	"github.com/tapbot/tapbot/internal/workq"
)

// Activity type and invoke names the adapter handles.
const (
	typeInstallationUpdate = "installationUpdate"
	invokeCardAction       = "adaptiveCard/action"
	channelMSTeams         = "msteams"
)

// account is schema.ChannelAccount plus the Teams userRole.
type account struct {
	schema.ChannelAccount
	UserRole string `json:"userRole,omitempty"`
}

// channelData is the typed subset of Teams channelData the adapter reads.
type channelData struct {
	Tenant  *idRef `json:"tenant,omitempty"`
	Team    *idRef `json:"team,omitempty"`
	Channel *idRef `json:"channel,omitempty"`
}

type idRef struct {
	ID string `json:"id"`
}

// activity is a decoded inbound activity: the msbotbuilder-go schema with
// typed channelData and from (the outer fields shadow the embedded ones).
type activity struct {
	schema.Activity
	From        account      `json:"from"`
	ChannelData *channelData `json:"channelData,omitempty"`
	// Entities replaces schema.Activity's (which keeps only the type) so
	// the clientInfo entity's timezone is read.
	Entities []entity `json:"entities,omitempty"`

	// zone is the sender's zone: this activity's, else the last one seen
	// with their conversation reference (set by capture).
	zone string
}

// entity is an activity entity; Teams clients send one of type
// "clientInfo" with the user's locale, country, platform and timezone.
type entity struct {
	Type     string `json:"type"`
	Timezone string `json:"timezone,omitempty"`
}

// sentZone returns the sender's IANA zone the activity carries
// (localTimezone, else a clientInfo entity's timezone), or "" when it has
// none this host can load.
func (act *activity) sentZone() string {
	cands := []string{act.LocalTimezone}
	for _, e := range act.Entities {
		if strings.EqualFold(e.Type, "clientInfo") {
			cands = append(cands, e.Timezone)
		}
	}
	for _, z := range cands {
		if z == "" || len(z) > 64 {
			continue
		}
		if _, err := time.LoadLocation(z); err == nil {
			return z
		}
	}
	return ""
}

// tenant returns the activity's tenant id and whether its two sources agree.
func (act *activity) tenant() (string, bool) {
	conv := act.Conversation.TenantID
	var cd string
	if act.ChannelData != nil && act.ChannelData.Tenant != nil {
		cd = act.ChannelData.Tenant.ID
	}
	switch {
	case conv == "":
		return cd, true
	case cd == "":
		return conv, true
	}
	return conv, strings.EqualFold(conv, cd)
}

// HTTPHandler serves POST /api/messages.
func (a *Adapter) HTTPHandler() http.Handler { return http.HandlerFunc(a.serveHTTP) }

func (a *Adapter) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Nothing is read before the caller is known to be allowed to send.
	if !a.callerAllowed(w, r) {
		return
	}
	act, ok := a.decode(w, r)
	if !ok || !a.authenticate(w, r, act) {
		return
	}
	if reason := a.checkActivity(act); reason != "" {
		a.refuse(w, r, act, reason, http.StatusForbidden, "forbidden: "+reason)
		return
	}
	a.serveActivity(w, r, act)
}

// serveActivity de-duplicates an authenticated activity, acknowledges it
// and hands it to the core (an invoke is answered in the response). A
// person over the message rate is acknowledged and dropped (told once); a
// full work pool answers 503 with Retry-After, and Teams redelivers.
func (a *Adapter) serveActivity(w http.ResponseWriter, r *http.Request, act *activity) {
	ctx := r.Context()
	if act.Type == schema.Message && !a.withinRate(act) {
		w.WriteHeader(http.StatusOK)
		return
	}
	slot, ok := a.work.Reserve(lane(act))
	if !ok {
		a.busy.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterBusy))
		http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
		return
	}
	defer slot.Release() // a no-op once the work runs
	if act.ID != "" {
		// Teams message ids are only unique within a conversation.
		first, err := a.store.MarkSeen(ctx, "teams:act:"+act.Conversation.ID+"/"+act.ID, seenTTL)
		if err != nil {
			a.log.ErrorContext(ctx, "teams dedup", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if !first {
			a.log.InfoContext(ctx, "teams duplicate activity", "activity_id", act.ID)
			if act.Type == schema.Invoke {
				writeInvoke(w, noticeCard(text.TeamsHandled))
				return
			}
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	a.capture(ctx, act)

	switch {
	case act.Type == schema.Invoke && act.Name == invokeCardAction:
		a.serveInvoke(w, r, act, slot)
		return
	case act.Type == schema.Invoke:
		// Other invokes (message extensions, sign-in) are not used.
		w.WriteHeader(http.StatusOK)
		return
	}
	ev, ok := a.event(act)
	if ok && ev.Kind == chat.KindInstall {
		// Teams announces an install twice (installationUpdate and
		// conversationUpdate): welcome once per conversation.
		first, err := a.store.MarkSeen(ctx, "teams:install:"+ev.Conversation.Conversation, installTTL)
		ok = err == nil && first
	}
	w.WriteHeader(http.StatusOK)
	if !ok {
		return
	}
	a.run(slot, func() {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventTimeout)
		defer cancel()
		a.handle(hctx, ev)
	})
}

// run runs fn on the reserved slot, counted for Wait.
func (a *Adapter) run(slot *workq.Slot, fn func()) {
	a.bg.Add(1)
	slot.Run(func() {
		defer a.bg.Done()
		fn()
	})
}

// withinRate applies the per-person message rate. The first message over
// it in a flood is answered once, politely, in its conversation.
func (a *Adapter) withinRate(act *activity) bool {
	switch a.senders.Check("teams:" + act.From.ID) {
	case workq.Allow:
		return true
	case workq.Drop:
		a.rateDropped.Add(1)
		return false
	}
	a.rateDropped.Add(1)
	slot, ok := a.work.Reserve(lane(act))
	if !ok {
		return false
	}
	serviceURL, conv := act.ServiceURL, act.Conversation.ID
	a.run(slot, func() {
		ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
		defer cancel()
		out, err := outbound(chat.Message{Text: workq.TextTooFast}, nil)
		if err == nil {
			_, err = a.conn.Send(ctx, serviceURL, conv, out)
		}
		if err != nil {
			a.log.Warn("teams too-fast notice", "err", err)
		}
	})
	return false
}

// checkActivity applies the channel pin, the tenant pin and the serviceUrl
// allowlist to an authenticated activity; it returns a refusal reason or "".
func (a *Adapter) checkActivity(act *activity) string {
	if !a.channelAllowed(act.ChannelID) {
		return "channel not allowed"
	}
	tid, agree := act.tenant()
	if !agree {
		return "conversation and channelData tenants differ"
	}
	if a.cfg.TenantID != "" && !strings.EqualFold(tid, a.cfg.TenantID) {
		return "foreign tenant"
	}
	if !a.serviceURLAllowed(act.ServiceURL) {
		return "serviceUrl host not allowed"
	}
	return ""
}

// channelAllowed pins the activity's channelId: Teams sends "msteams"; in
// local mode the playground may also be started as another Bot Framework
// channel (its -c option) and sends its notifications as "agents".
func (a *Adapter) channelAllowed(id string) bool {
	if id == channelMSTeams {
		return true
	}
	return a.cfg.LocalMode && playgroundChannels[id]
}

// playgroundChannels are the channel ids the Microsoft 365 Agents
// Playground sends besides msteams.
var playgroundChannels = map[string]bool{"directline": true, "webchat": true, "emulator": true, "agents": true}

func (a *Adapter) serviceURLAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" || !a.allowed.Allows(u) {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		// Plain http only to a listed loopback host (local mode, tests).
		host := u.Hostname()
		return host == "localhost" || loopback.IsLoopbackAddr(host)
	}
	return false
}

// serveInvoke answers an Action.Execute in the HTTP response: the handler
// runs inline under a deadline and its Reply becomes the response card.
func (a *Adapter) serveInvoke(w http.ResponseWriter, r *http.Request, act *activity, slot *workq.Slot) {
	ev, ok := a.event(act)
	if !ok {
		writeInvoke(w, noticeCard(text.TeamsStaleCard))
		return
	}
	serviceURL, conv := act.ServiceURL, act.Conversation.ID
	rep := &invokeReply{late: func(ctx context.Context, m chat.Message) error {
		// The click was answered "the result will be posted here": keep
		// the promise with a message in the clicked card's conversation.
		out, err := outbound(m, nil)
		if err == nil {
			_, err = a.conn.Send(ctx, serviceURL, conv, out)
		}
		return err
	}, refresh: a.refreshOf}
	ev.Reply = rep.reply
	ev.Redraw = rep.redraw
	ev.AnswerBy = time.Now().Add(a.invokeWait)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), a.invokeWait)
	defer cancel()
	done := make(chan struct{})
	a.run(slot, func() {
		defer close(done) // before the deadline can fire: a finished handler is never "working on it"
		if !rep.start() {
			// The click waited in the queue past the invoke deadline and
			// was answered "busy": it must not act now (a Reveal would
			// consume the pass with nowhere to show it).
			return
		}
		hctx, hcancel := context.WithTimeout(context.WithoutCancel(r.Context()), eventTimeout)
		defer hcancel()
		a.handle(hctx, ev)
	})
	select {
	case <-done:
	case <-ctx.Done():
	}
	c, started := rep.close()
	if c == nil && ev.Kind == chat.KindAction && ev.Action == chat.ActionRefresh {
		// No view for this reader (the request could not be read, or the
		// answer came too late): they keep the shared card, never a
		// "Done." in its place.
		writeInvokeError(w, http.StatusServiceUnavailable, "no view")
		return
	}
	if c == nil {
		c = noticeCard(text.TeamsDone)
		select {
		case <-done:
		default:
			c = noticeCard(text.TeamsWorking)
			if !started {
				c = noticeCard(text.Busy)
			}
		}
	}
	writeInvoke(w, c)
}

// invokeReply collects the card an invoke's handler replies with: its
// Reply, else the clicked card redrawn in its new state.
type invokeReply struct {
	// late delivers a reply that comes after the invoke was answered
	// (never one carrying a secret: that answer must stay private).
	late func(ctx context.Context, m chat.Message) error
	// refresh is the card's refresh for a chat.Personal (Adapter.refreshOf).
	refresh func(ctx context.Context, p *chat.Personal) obj
	mu      sync.Mutex
	card    *card
	redrawn *card
	closed  bool
	started bool
}

// start marks the handler as running; false when the invoke was already
// answered (the click must then do nothing).
func (r *invokeReply) start() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.started = true
	return true
}

var errReplyClosed = errors.New("teams: invoke already answered")

func (r *invokeReply) reply(ctx context.Context, m chat.Message) error {
	c, err := renderCard(m, true)
	if err != nil {
		return err
	}
	r.mu.Lock()
	closed := r.closed
	if !closed {
		r.card = c
	}
	r.mu.Unlock()
	switch {
	case !closed:
		return nil
	case m.HasSecret() || r.late == nil:
		return errReplyClosed
	}
	return r.late(ctx, m)
}

// redraw keeps the clicked card as it now reads, with answer (a one-line
// answer to a refused click) above it, for the clicker's view.
func (r *invokeReply) redraw(ctx context.Context, m chat.Message, answer string) error {
	c, err := renderCard(m, false)
	if err != nil {
		return err
	}
	if r.refresh != nil {
		c.Refresh = r.refresh(ctx, m.Personal)
	}
	if answer != "" {
		line := obj{"type": "TextBlock", "text": cardText(answer), "wrap": true, "weight": "Bolder", "color": "Attention"}
		c.Body = append([]obj{line}, c.Body...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errReplyClosed
	}
	r.redrawn = c
	return nil
}

func (r *invokeReply) close() (*card, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.card == nil {
		return r.redrawn, r.started
	}
	return r.card, r.started
}

// noticeCard is a small text card.
func noticeCard(text string) *card {
	c, _ := renderCard(chat.Message{Text: text}, false)
	return c
}

// writeInvoke writes an invoke response carrying an Adaptive Card.
func writeInvoke(w http.ResponseWriter, c *card) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(struct {
		StatusCode int    `json:"statusCode"`
		Type       string `json:"type"`
		Value      *card  `json:"value"`
	}{http.StatusOK, cardContentType, c})
}

// writeInvokeError answers an adaptiveCard/action invoke with an error
// (Universal Actions' application/vnd.microsoft.error): the client keeps
// the card it shows.
func writeInvokeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(struct {
		StatusCode int    `json:"statusCode"`
		Type       string `json:"type"`
		Value      obj    `json:"value"`
	}{status, "application/vnd.microsoft.error", obj{"code": http.StatusText(status), "message": msg}})
}

// handle calls the core, containing a panic to this one activity (the
// process and every other request in flight carry on).
func (a *Adapter) handle(ctx context.Context, ev chat.Event) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("handler panicked", "kind", string(ev.Kind), "delivery_id", ev.DeliveryID, "panic", fmt.Sprint(p))
		}
	}()
	a.h.Handle(ctx, ev)
}

// lane is the work pool's key for act: one person in one conversation, so
// each person's messages and clicks keep their order while a click storm
// in a shared channel (many approvers at once) is not capped as one lane.
func lane(act *activity) string { return act.Conversation.ID + "|" + act.From.ID }
