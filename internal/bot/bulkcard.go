package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// DefaultBulkRedraw is the least time between two redraws of one batch's
// messages while it moves (progress): changes in between are coalesced.
const DefaultBulkRedraw = 2 * time.Second

// bulkWatchFor bounds how long one batch's progress is followed.
const bulkWatchFor = time.Hour

// batchCounts sorts a batch's requests by where they are.
type batchCounts struct {
	total                 int
	waiting, second       int // pending: no approval yet; one of two
	issuing, done, failed int
	closed                int // denied, cancelled, expired, revoked before use
	approver              *tap.Actor
	approvedAt            time.Time
	first, last           time.Time
	firstZone, lastZone   string
	version               int64 // the sum of versions: grows with every change
	submitter             tap.Actor
	title                 string
}

func countBatch(reqs []*tap.Request) batchCounts {
	var c batchCounts
	c.total = len(reqs)
	for _, q := range reqs {
		c.version += q.Version
		if q.Batch != nil {
			c.submitter, c.title = q.Batch.Submitter, q.Batch.Title
		}
		switch q.State {
		case tap.StatePending:
			if len(q.Approvals) > 0 {
				c.second++
			} else {
				c.waiting++
			}
		case tap.StateIssuing:
			c.issuing++
		case tap.StateApproved:
			if q.Queued() { // approved, its pass waiting for the issuer
				c.issuing++
			} else { // issue on reveal: the requester's click creates it
				c.done++
			}
		case tap.StateIssued, tap.StateDelivered, tap.StateConfirmed:
			c.done++
		case tap.StateFailed:
			c.failed++
		default:
			c.closed++
		}
		if q.DecidedBy != nil && q.State != tap.StateDenied && (c.approvedAt.IsZero() || q.DecidedAt.After(c.approvedAt)) {
			a := *q.DecidedBy
			c.approver, c.approvedAt = &a, q.DecidedAt
		}
		at := q.Start
		if at.IsZero() {
			at = q.CreatedAt
		}
		if c.first.IsZero() || at.Before(c.first) {
			c.first, c.firstZone = at, q.HireZone
		}
		if at.After(c.last) {
			c.last, c.lastZone = at, q.HireZone
		}
	}
	return c
}

// dayRange is "7–11 Dec", "7 Dec", "30 Nov – 2 Dec" in the reader's zone
// (a shared card: each date in its new hire's zone).
func dayRange(first, last time.Time, firstZone, lastZone, reader string) string {
	if reader != "" {
		firstZone, lastZone = reader, reader
	}
	a, b := first.In(location(firstZone, "UTC")), last.In(location(lastZone, "UTC"))
	switch {
	case a.Format("2006-01-02") == b.Format("2006-01-02"):
		return a.Format("2 Jan")
	case a.Year() == b.Year() && a.Month() == b.Month():
		return a.Format("2") + "–" + b.Format("2 Jan")
	}
	return a.Format("2 Jan") + " – " + b.Format("2 Jan")
}

// BulkCard is a batch's card as approvers see it (and, without buttons,
// the uploader's progress message): what it asks for, who sent it, how
// far it is, and Approve all / Review each while requests wait. reader
// is the reader's zone ("" for the shared card); left estimates the time
// left while passes are issued; refused is how many rows were refused at
// upload; reviewing says someone asked to review each request.
func BulkCard(id string, reqs []*tap.Request, reader, left string, refused int, reviewing bool) chat.Message {
	c := countBatch(reqs)
	m := chat.Message{Title: text.BulkCardTitle(c.total, c.title, dayRange(c.first, c.last, c.firstZone, c.lastZone, reader))}
	m.Facts = append(m.Facts, chat.Fact{Label: text.BulkSentBy, Value: actorName(c.submitter)},
		chat.Fact{Label: text.BulkRequests, Value: fmt.Sprint(c.total)})
	if refused > 0 {
		m.Facts = append(m.Facts, chat.Fact{Label: text.BulkRefused, Value: fmt.Sprint(refused)})
	}
	if c.approver != nil {
		m.Facts = append(m.Facts, chat.Fact{Label: text.BulkApprovedLabel, Value: actorName(*c.approver) + " · " + When(c.approvedAt, reader)})
	}
	var lines []string
	switch {
	case c.issuing > 0:
		lines = append(lines, text.BulkProgress(c.done+c.failed+c.issuing, c.done, c.failed, left))
	case c.done+c.failed > 0:
		lines = append(lines, text.BulkFinished(c.done, c.failed))
		if c.waiting > 0 {
			lines = append(lines, text.BulkWaiting(c.waiting))
		}
	default:
		lines = append(lines, text.BulkWaiting(c.waiting+c.second))
	}
	if c.second > 0 {
		lines = append(lines, text.BulkSecondApprover(c.second))
	}
	if c.closed > 0 {
		lines = append(lines, text.BulkOtherwise(c.closed))
	}
	for i, l := range lines {
		if i > 0 {
			m.Text += "\n"
		}
		m.Text += l
	}
	if c.waiting+c.second > 0 {
		m.Buttons = append(m.Buttons, chat.Button{Action: chat.ActionBulkApprove, Label: text.BulkApproveAll, Value: id, Style: chat.StylePrimary,
			Confirm: text.BulkApproveConfirm})
		if !reviewing {
			m.Buttons = append(m.Buttons, chat.Button{Action: chat.ActionBulkReview, Label: text.BulkReviewEach, Value: id})
		}
	}
	if reviewing {
		m.Note = text.BulkReviewing
	}
	return m
}

// bulkCard is rec's card for reader.
func (r *Router) bulkCard(rec *batchRecord, reqs []*tap.Request, reader, left string) chat.Message {
	return BulkCard(rec.ID, reqs, reader, left, len(rec.Refused), rec.Reviewing != nil)
}

// progressView is the uploader's message: the card without its buttons.
func progressView(m chat.Message) chat.Message {
	m.Buttons = nil
	return m
}

// postBulkCards posts the batch's card to every platform's approvers
// channel and the uploader's progress message, recording their refs.
func (r *Router) postBulkCards(ctx context.Context, rec *batchRecord, reqs []*tap.Request) {
	card := r.bulkCard(rec, reqs, "", "")
	version := countBatch(reqs).version
	for p, ch := range r.cfg.ApproverChannels {
		m, ok := r.messengers[p]
		if !ok || ch == "" {
			continue
		}
		ref, err := m.Send(ctx, chat.Address{Platform: p, Kind: chat.ToChannel, ID: ch}, card)
		if err != nil {
			r.log.Warn("post bulk card", "batch", rec.ID, "platform", p, "err", err)
			continue
		}
		r.markDrawn(ref, version)
		rec.Cards = append(rec.Cards, ref)
	}
	sub := rec.Submitter
	if m, ok := r.messengers[sub.Platform]; ok {
		msg := progressView(r.bulkCard(rec, reqs, rec.Zone, ""))
		msg.Text = text.BulkSent(len(reqs), chat.Esc(rec.Title)) + "\n" + msg.Text
		ref, err := m.Send(ctx, chat.Address{Platform: sub.Platform, Kind: chat.ToUser, ID: sub.ChatID, EntraID: sub.EntraID}, msg)
		if err != nil {
			r.log.Warn("tell batch sender", "batch", rec.ID, "err", err)
		} else {
			r.markDrawn(ref, version)
			rec.Progress = append(rec.Progress, ref)
		}
	}
}

// bulkApprove is Approve all. The batch's progress is followed (and its
// messages redrawn, at most once per BulkRedraw) while it is issued.
func (r *Router) bulkApprove(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id := ev.Value
	rec, err := r.loadBatch(ctx, id)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	w := r.watchBatch(id)
	w.hold()
	defer w.release()
	_, err = r.svc.ApproveBatch(ctx, id, actor, func(approvals.BatchOutcome) { w.poke() })
	if err != nil {
		r.bulkStale(ctx, ev, rec, actor, err)
		return
	}
	w.poke()
	r.redrawBulkClicked(ctx, ev, rec)
}

// bulkReview is Review each: the batch's waiting requests get their own
// approval cards, and the bulk card says so (Approve all stays).
func (r *Router) bulkReview(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id := ev.Value
	rec, err := r.loadBatch(ctx, id)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	ok, err := r.svc.IsApprover(ctx, actor)
	if err != nil || !ok {
		r.say(ctx, ev, cmpErr(err, tap.Refuse(tap.ErrForbidden, text.Forbidden)))
		return
	}
	reqs, err := r.svc.Batch(ctx, id)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if rec.Reviewing == nil {
		a := actor
		rec.Reviewing = &a
		if err := r.saveBatch(ctx, rec, bulkKeptFor); err != nil {
			r.say(ctx, ev, err)
			return
		}
	}
	for _, q := range reqs {
		if q.State == tap.StatePending && len(q.Refs) == 0 {
			if err := r.postApprovalCards(ctx, q); err != nil {
				r.log.Warn("post approval card of batch", "batch", id, "request_id", q.ID, "err", err)
			}
		}
	}
	r.drawBatch(ctx, rec, reqs, "", true)
	r.redrawBulkClicked(ctx, ev, rec)
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// bulkStale answers a refused bulk click in one line and redraws the card.
func (r *Router) bulkStale(ctx context.Context, ev chat.Event, rec *batchRecord, actor tap.Actor, err error) {
	reqs, gerr := r.svc.Batch(ctx, rec.ID)
	if gerr != nil {
		r.say(ctx, ev, err)
		return
	}
	answer := Say(r.log, err)
	if errors.Is(err, tap.ErrInvalidTransition) {
		if c := countBatch(reqs); c.approver != nil {
			answer = text.BulkAlreadyApproved(chat.Esc(actorName(*c.approver)), When(c.approvedAt, r.zone(ev.User)))
		}
	}
	view := r.bulkCard(rec, reqs, "", "")
	if ev.Redraw == nil || ev.Redraw(ctx, view, answer) != nil {
		r.reply(ctx, ev, chat.Message{Text: answer})
	}
	r.drawBatch(ctx, rec, reqs, "", true)
}

// redrawBulkClicked answers a bulk click that went through with the card
// as it reads now, on the clicker's surface (Teams).
func (r *Router) redrawBulkClicked(ctx context.Context, ev chat.Event, rec *batchRecord) {
	if ev.Redraw == nil {
		return
	}
	reqs, err := r.svc.Batch(ctx, rec.ID)
	if err != nil {
		return
	}
	if err := ev.Redraw(ctx, r.bulkCard(rec, reqs, "", ""), ""); err != nil {
		r.log.Warn("redraw clicked bulk card", "err", err)
	}
}

// drawBatch redraws the batch's card and the uploader's message.
func (r *Router) drawBatch(ctx context.Context, rec *batchRecord, reqs []*tap.Request, left string, repair bool) {
	version := countBatch(reqs).version
	card := r.bulkCard(rec, reqs, "", left)
	for _, ref := range rec.Cards {
		if err := r.draw(ctx, ref, version, repair, card); err != nil {
			r.log.Warn("redraw bulk card", "batch", rec.ID, "err", err)
		}
	}
	prog := progressView(r.bulkCard(rec, reqs, rec.Zone, left))
	for _, ref := range rec.Progress {
		if err := r.draw(ctx, ref, version, repair, prog); err != nil {
			r.log.Warn("redraw batch progress", "batch", rec.ID, "err", err)
		}
	}
}

// batchWatch follows one batch on this replica: it redraws the batch's
// messages at most once per BulkRedraw, only when something changed,
// until nothing is being issued and no Approve all is running.
type batchWatch struct {
	mu      sync.Mutex
	holders int
	kick    chan struct{}
}

func (w *batchWatch) hold() {
	w.mu.Lock()
	w.holders++
	w.mu.Unlock()
}

func (w *batchWatch) release() {
	w.mu.Lock()
	w.holders--
	w.mu.Unlock()
	w.poke()
}

func (w *batchWatch) held() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.holders > 0
}

// poke says something changed; several pokes before the next redraw
// are one.
func (w *batchWatch) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// batchChanged is called when a request of a batch moved on: its
// messages are redrawn (coalesced) by the batch's watcher.
func (r *Router) batchChanged(req *tap.Request) {
	if req.Batch != nil {
		r.watchBatch(req.Batch.ID).poke()
	}
}

// watchBatch returns the batch's watcher, starting it when none runs.
func (r *Router) watchBatch(id string) *batchWatch {
	r.bulkMu.Lock()
	defer r.bulkMu.Unlock()
	if w, ok := r.bulkWatch[id]; ok {
		return w
	}
	w := &batchWatch{kick: make(chan struct{}, 1)}
	r.bulkWatch[id] = w
	r.bulkWG.Add(1)
	go r.follow(id, w)
	return w
}

// follow redraws batch id's messages while it moves (see batchWatch).
func (r *Router) follow(id string, w *batchWatch) {
	defer r.bulkWG.Done()
	defer func() {
		r.bulkMu.Lock()
		delete(r.bulkWatch, id)
		r.bulkMu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), bulkWatchFor)
	defer cancel()
	every := r.cfg.BulkRedraw
	var (
		lastView chat.Message
		started  time.Time
		startAt  int
		idle     int
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-time.After(every):
		}
		rec, err := r.loadBatch(ctx, id)
		if err != nil {
			return
		}
		reqs, err := r.svc.Batch(ctx, id)
		if err != nil {
			return
		}
		c := countBatch(reqs)
		left := ""
		if c.issuing > 0 {
			if started.IsZero() {
				started, startAt = r.cfg.Now(), c.done+c.failed
			} else if n := c.done + c.failed - startAt; n > 0 {
				per := r.cfg.Now().Sub(started) / time.Duration(n)
				left = text.BulkLeft(int(math.Ceil((per * time.Duration(c.issuing)).Minutes())))
			}
		}
		view := r.bulkCard(rec, reqs, "", left)
		if !reflect.DeepEqual(view, lastView) {
			r.drawBatch(ctx, rec, reqs, left, false)
			lastView = view
			idle = 0
		} else {
			idle++
		}
		if c.issuing == 0 && !w.held() && idle > 0 {
			return
		}
		// At most one redraw per period, however many changes came.
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// WaitBatches blocks until the batches followed on this replica settle
// (tests and shutdown).
func (r *Router) WaitBatches() { r.bulkWG.Wait() }
