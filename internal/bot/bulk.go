package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/bulk"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// A batch from chat: a CSV (a file shared in the bot's conversation, or
// pasted after "bulk" or into the bulk form) from an approver or a
// requester-group member is checked row by row with the checks a single
// request gets, answered with a summary and one Send button; the click
// opens one request per ready row, tagged with the batch, and the
// approvers get one bulk card (bulkcard.go) instead of a card each.

const (
	// bulkKey prefixes a batch's record in the session store.
	bulkKey = "bulk/"
	// bulkCheckedFor is how long a checked batch waits for its Send
	// click; bulkKeptFor how long a sent one's record (its cards) lives.
	bulkCheckedFor = 24 * time.Hour
	bulkKeptFor    = 14 * 24 * time.Hour
	// bulkStartOfDay is when a pass for a date alone starts, in the
	// row's zone (the intake API's default).
	bulkStartOfDay = "07:00"
	// bulkListed is how many refusals a summary lists before a count.
	bulkListed = 10
	// bulkIDLen is how many hex digits of the upload's hash name a batch.
	bulkIDLen = 20
)

// batchRecord is what the bot keeps about one upload between the
// summary, the Send click and the batch's cards.
type batchRecord struct {
	ID        string       `json:"id"`
	Title     string       `json:"title"`
	Submitter tap.Actor    `json:"submitter"`
	Zone      string       `json:"zone"` // the uploader's
	Rows      int          `json:"rows"`
	Ready     []readyRow   `json:"ready"`
	Refused   []refusedRow `json:"refused,omitempty"`
	Sent      bool         `json:"sent,omitempty"`
	// Cards are the bulk approval cards; Progress the uploader's message.
	Cards     []tap.Ref  `json:"cards,omitempty"`
	Progress  []tap.Ref  `json:"progress,omitempty"`
	Reviewing *tap.Actor `json:"reviewing,omitempty"`
}

type readyRow struct {
	Line  int          `json:"line"`
	Draft *tap.Request `json:"draft"`
}

type refusedRow struct {
	Line int    `json:"line"`
	Who  string `json:"who"`
	Why  string `json:"why"`
}

// bulkCommand reports whether the text is the bulk command: "bulk",
// optionally a title, then the CSV (in a code block or on the lines after).
func bulkCommand(said string) (title, csv string, ok bool) {
	s := strings.TrimSpace(said)
	first, rest, _ := strings.Cut(s, "\n")
	word, title, _ := strings.Cut(strings.TrimSpace(first), " ")
	if !strings.EqualFold(word, "bulk") && !strings.HasPrefix(strings.ToLower(word), "bulk```") {
		return "", "", false
	}
	if strings.HasPrefix(strings.ToLower(word), "bulk```") { // "bulk```upn,…"
		title, rest = "", strings.TrimPrefix(s, word[:4])
	}
	title = strings.TrimSpace(title)
	if i := strings.Index(title, "```"); i >= 0 { // "bulk Sales ```upn,…"
		rest = title[i:] + "\n" + rest
		title = strings.TrimSpace(title[:i])
	}
	csv = strings.TrimSpace(rest)
	if i := strings.Index(csv, "```"); i >= 0 {
		csv = csv[i+3:]
		if j := strings.Index(csv, "```"); j >= 0 {
			csv = csv[:j]
		}
		csv = strings.TrimPrefix(csv, "csv\n")
	}
	return title, strings.TrimSpace(csv), true
}

// bulkForm is the card or modal the CSV is pasted into.
func bulkForm() chat.Message {
	return chat.Message{Text: text.BulkPasteHow, Form: &chat.Form{ID: chat.FormBulk, Title: text.BulkPasteTitle, Submit: text.BulkPasteSubmit,
		Fields: []chat.Field{
			{ID: "title", Label: text.BulkTitleLabel, Kind: chat.FieldText, Optional: true},
			{ID: "csv", Label: text.BulkPasteLabel, Kind: chat.FieldTextArea, Placeholder: strings.Join(bulk.Columns, ",")},
		}}}
}

// bulkEvent handles the events of an upload: a file, the bulk command,
// the pasted form. It reports whether ev was one.
func (r *Router) bulkEvent(ctx context.Context, ev chat.Event, actor tap.Actor) bool {
	switch {
	case ev.File != nil && ev.Kind == chat.KindMessage:
		r.bulkFile(ctx, ev, actor)
		return true
	case ev.Kind == chat.KindForm && ev.Form == chat.FormBulk:
		csv := ev.Fields["csv"]
		if strings.TrimSpace(csv) == "" {
			r.reply(ctx, ev, bulkForm())
			return true
		}
		r.bulkUpload(ctx, ev, actor, []byte(csv), ev.Fields["title"])
		return true
	case ev.Kind == chat.KindMessage || ev.Kind == chat.KindCommand:
		title, csv, ok := bulkCommand(ev.Text)
		if !ok {
			return false
		}
		if csv == "" {
			if err := r.svc.MayBulk(ctx, actor); err != nil {
				r.say(ctx, ev, err)
				return true
			}
			r.reply(ctx, ev, bulkForm())
			return true
		}
		r.bulkUpload(ctx, ev, actor, []byte(csv), title)
		return true
	}
	return false
}

// bulkFile reads a shared file: only a CSV, only from someone who may
// send a batch (checked before anything is downloaded), only as large as
// a batch may be (checked on the reported size, then while reading).
func (r *Router) bulkFile(ctx context.Context, ev chat.Event, actor tap.Actor) {
	f := ev.File
	if err := r.svc.MayBulk(ctx, actor); err != nil {
		r.say(ctx, ev, err)
		return
	}
	typ, _, _ := strings.Cut(strings.ToLower(f.Type), ";")
	if !strings.EqualFold(path.Ext(f.Name), ".csv") && typ != "text/csv" {
		r.reply(ctx, ev, chat.Message{Text: text.BulkNotCSV})
		return
	}
	if f.Size > bulk.MaxBytes {
		r.reply(ctx, ev, chat.Message{Text: text.BulkTooLarge(int((f.Size+1023)/1024), bulk.MaxBytes/1024)})
		return
	}
	raw, err := f.Open(ctx, bulk.MaxBytes)
	switch {
	case errors.Is(err, chat.ErrTooLarge):
		r.reply(ctx, ev, chat.Message{Text: text.BulkTooLarge(bulk.MaxBytes/1024+1, bulk.MaxBytes/1024)})
		return
	case err != nil:
		r.log.Warn("download shared file", "platform", ev.User.Platform, "err", err)
		r.reply(ctx, ev, chat.Message{Text: text.BulkDownload})
		return
	}
	title := strings.TrimSpace(ev.Text)
	if title == "" {
		title = strings.TrimSuffix(f.Name, path.Ext(f.Name))
		title = strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(title))
	}
	r.bulkUpload(ctx, ev, actor, raw, title)
}

// bulkUpload checks a batch and answers with its summary and Send button.
func (r *Router) bulkUpload(ctx context.Context, ev chat.Event, actor tap.Actor, raw []byte, title string) {
	if err := r.svc.MayBulk(ctx, actor); err != nil {
		r.say(ctx, ev, err)
		return
	}
	rows, err := bulk.Parse(raw)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	zone := r.zone(ev.User)
	rec := &batchRecord{ID: bulk.Hash(string(actor.EntraID), raw)[:bulkIDLen], Submitter: actor, Zone: zone, Rows: len(rows),
		Title: batchTitle(title)}
	var drafts []approvals.BatchRow
	seen := map[string]int{}
	for _, row := range rows {
		who := cmp.Or(row.UPN, "—")
		if row.Refused == "" {
			if first, dup := seen[strings.ToLower(row.UPN)]; dup {
				row.Refused = text.BulkDuplicate(first)
			} else {
				seen[strings.ToLower(row.UPN)] = row.Line
			}
		}
		if row.Refused != "" {
			rec.Refused = append(rec.Refused, refusedRow{Line: row.Line, Who: who, Why: row.Refused})
			continue
		}
		d, err := r.bulkDraft(ctx, row, actor, zone)
		if err != nil {
			rec.Refused = append(rec.Refused, refusedRow{Line: row.Line, Who: who, Why: Say(r.log, err)})
			continue
		}
		drafts = append(drafts, approvals.BatchRow{Line: row.Line, Draft: d})
	}
	for i, o := range r.svc.CheckBatch(ctx, drafts) {
		if o.Err != nil {
			rec.Refused = append(rec.Refused, refusedRow{Line: o.Line, Who: drafts[i].Draft.Target.UPN, Why: Say(r.log, o.Err)})
			continue
		}
		rec.Ready = append(rec.Ready, readyRow{Line: o.Line, Draft: drafts[i].Draft})
	}
	sortRefused(rec.Refused)
	if len(rec.Ready) > 0 {
		if err := r.saveBatch(ctx, rec, bulkCheckedFor); err != nil {
			r.say(ctx, ev, err)
			return
		}
	}
	r.log.Info("batch checked", "batch", rec.ID, "sender", actor.EntraID, "rows", rec.Rows, "ready", len(rec.Ready))
	r.reply(ctx, ev, bulkSummary(rec))
}

// batchTitle is the name the batch goes by: what the uploader said, else
// "requests".
func batchTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:80])
	}
	return cmp.Or(s, text.BulkDefaultTitle)
}

func sortRefused(rs []refusedRow) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Line < rs[j-1].Line; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// bulkDraft is a row as the request a single one would be: requester the
// row's manager (resolved in Entra: the hiring manager who will reveal
// the pass; "manager" for the new hire's manager in Entra), or the
// uploader when the column is empty.
func (r *Router) bulkDraft(ctx context.Context, row bulk.Row, uploader tap.Actor, zone string) (*tap.Request, error) {
	if _, _, err := row.StartAt(zone, bulkStartOfDay); err != nil {
		return nil, err // a bad start or time_zone is refused before any lookup
	}
	target := tap.User{UPN: row.UPN}
	if !strings.Contains(row.UPN, "@") {
		target = tap.User{ID: tap.UserID(row.UPN)}
	}
	requester := uploader
	switch m := row.Manager; {
	case strings.EqualFold(m, "manager"):
		t, err := r.d.Directory.User(ctx, row.UPN)
		if err != nil {
			return nil, err
		}
		u, err := r.d.Directory.Manager(ctx, t.ID)
		if errors.Is(err, tap.ErrNotFound) || errors.Is(err, tap.ErrUserNotFound) {
			return nil, tap.Refuse(tap.ErrInvalidInput, text.BulkNoEntraManager(chat.Esc(row.UPN)))
		}
		if err != nil {
			return nil, err
		}
		requester = managerActor(uploader.Platform, u)
	case m != "":
		u, err := r.lookup(ctx, strings.ToLower(m), r.d.Directory.User)
		if errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrNotFound) {
			return nil, tap.Refuse(tap.ErrInvalidInput, text.BulkNoManager(chat.Esc(m)))
		}
		if err != nil {
			return nil, err
		}
		requester = managerActor(uploader.Platform, u)
	}
	// A start without a zone is read where the new hire works: the row's
	// time_zone, else the hiring manager's zone (the new hire's zone
	// defaults to the requester's, as for a single request), else the
	// uploader's. "2026-12-07" for a Los Angeles hire is 07:00 there even
	// when HR uploads from London.
	if requester.EntraID != uploader.EntraID {
		if z, ok := r.zones.Find(ctx, requester.EntraID); ok {
			zone = z
		}
	}
	start, rowZone, err := row.StartAt(zone, bulkStartOfDay)
	if err != nil {
		return nil, err
	}
	reason := tap.Reason(cmp.Or(row.Reason, string(tap.ReasonOnboarding)))
	note := row.Note
	if utf8.RuneCountInString(note) > 500 {
		note = string([]rune(note)[:500])
	}
	return &tap.Request{Requester: requester, Target: target, Start: start, Lifetime: time.Duration(row.LifetimeMinutes) * time.Minute,
		OneTime: row.OneTime, Reason: reason, Justification: note, RequesterZone: rowZone, HireZone: rowZone}, nil
}

// managerActor is a hiring manager named by a row, told on the uploader's
// platform (addressed by Entra id).
func managerActor(p tap.Platform, u tap.User) tap.Actor {
	return tap.Actor{Platform: p, EntraID: u.ID, Name: cmp.Or(u.DisplayName, u.UPN), Email: cmp.Or(u.UPN, u.Mail)}
}

// bulkSummary is the answer to an upload: "48 rows: 45 ready, 3 refused
// — row 7 (…): …; …" and the one Send button.
func bulkSummary(rec *batchRecord) chat.Message {
	var b strings.Builder
	b.WriteString(text.BulkSummary(rec.Rows, len(rec.Ready), len(rec.Refused)))
	for i, f := range rec.Refused {
		if i == bulkListed {
			b.WriteString("\n" + text.BulkMoreRefused(len(rec.Refused)-i))
			break
		}
		b.WriteString("\n• " + text.BulkRowRefusal(f.Line, chat.Esc(f.Who), chat.Esc(f.Why)))
	}
	m := chat.Message{Title: rec.Title, Text: b.String()}
	if len(rec.Ready) > 0 && !rec.Sent {
		m.Buttons = []chat.Button{{Action: chat.ActionBulkSend, Label: text.BulkSendButton(len(rec.Ready)), Value: rec.ID, Style: chat.StylePrimary}}
	}
	return m
}

func (r *Router) saveBatch(ctx context.Context, rec *batchRecord, keep time.Duration) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode batch %s: %w", rec.ID, err)
	}
	return r.d.Store.PutSession(ctx, tap.Session{Key: bulkKey + rec.ID, Data: data, Expires: r.cfg.Now().Add(keep)})
}

func (r *Router) loadBatch(ctx context.Context, id string) (*batchRecord, error) {
	s, err := r.d.Store.GetSession(ctx, bulkKey+id)
	if errors.Is(err, tap.ErrNotFound) {
		return nil, tap.Refuse(tap.ErrNotFound, text.BulkGone)
	}
	if err != nil {
		return nil, err
	}
	rec := new(batchRecord)
	if err := json.Unmarshal(s.Data, rec); err != nil {
		return nil, fmt.Errorf("decode batch %s: %w", id, err)
	}
	return rec, nil
}

// bulkSend is the Send click: the uploader's ready rows become requests
// (idempotent: each row's id is derived from the batch), the approvers get
// the bulk card and the uploader a message that follows the progress.
func (r *Router) bulkSend(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id := ev.Value
	rec, err := r.loadBatch(ctx, id)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if rec.Submitter.EntraID != actor.EntraID {
		r.reply(ctx, ev, chat.Message{Text: text.BulkOnlySender})
		return
	}
	holder := fmt.Sprintf("%p-%d", r, r.cfg.Now().UnixNano())
	ok, err := r.d.Store.AcquireLease(ctx, "bulk-send:"+id, holder, 10*time.Minute)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if !ok {
		r.reply(ctx, ev, chat.Message{Text: text.BulkSending})
		return
	}
	defer func() { _, _ = r.d.Store.AcquireLease(context.WithoutCancel(ctx), "bulk-send:"+id, holder, 0) }()
	if rec, err = r.loadBatch(ctx, id); err != nil { // as the lease holder sees it
		r.say(ctx, ev, err)
		return
	}
	if rec.Sent {
		r.reply(ctx, ev, chat.Message{Text: text.BulkAlreadySent})
		return
	}
	rows := make([]approvals.BatchRow, len(rec.Ready))
	for i, row := range rec.Ready {
		rows[i] = approvals.BatchRow{Line: row.Line, Draft: row.Draft}
	}
	b := tap.Batch{ID: rec.ID, Title: rec.Title, Submitter: rec.Submitter, Size: len(rows)}
	sent := 0
	var ready []readyRow
	for i, o := range r.svc.SendBatch(ctx, b, rows) {
		if o.Err != nil {
			rec.Refused = append(rec.Refused, refusedRow{Line: o.Line, Who: rows[i].Draft.Target.UPN, Why: Say(r.log, o.Err)})
			continue
		}
		sent++
		ready = append(ready, rec.Ready[i])
	}
	sortRefused(rec.Refused)
	rec.Ready, rec.Sent = ready, true
	r.log.Info("batch sent", "batch", rec.ID, "sender", actor.EntraID, "requests", sent)
	if sent > 0 {
		reqs, err := r.svc.Batch(ctx, rec.ID)
		if err != nil {
			r.say(ctx, ev, err)
			return
		}
		r.postBulkCards(ctx, rec, reqs)
		r.tellManagers(ctx, rec, reqs)
	}
	if err := r.saveBatch(ctx, rec, bulkKeptFor); err != nil {
		r.log.Warn("save sent batch", "batch", rec.ID, "err", err)
	}
	done := bulkSummary(rec)
	done.Text += "\n" + text.BulkSentSummary(sent)
	if ev.Redraw != nil { // Teams: the clicker's card is the answer
		if err := ev.Redraw(ctx, done, ""); err != nil {
			r.log.Warn("redraw batch summary", "batch", rec.ID, "err", err)
		}
		return
	}
	if ev.Message.Message != "" {
		if ms, ok := r.messengers[ev.Message.Platform]; ok {
			if err := ms.Update(ctx, ev.Message, done); err != nil {
				r.log.Warn("redraw batch summary", "batch", rec.ID, "err", err)
			}
		}
	}
}

// tellManagers tells each hiring manager a batch named, once, which of
// their hires it asked passes for; they wait for approval. The sender is
// not told about rows that named nobody else (their own message follows
// the batch).
func (r *Router) tellManagers(ctx context.Context, rec *batchRecord, reqs []*tap.Request) {
	byManager := map[tap.UserID][]*tap.Request{}
	var order []tap.UserID
	for _, q := range reqs {
		id := q.Requester.EntraID
		if id == rec.Submitter.EntraID {
			continue
		}
		if _, ok := byManager[id]; !ok {
			order = append(order, id)
		}
		byManager[id] = append(byManager[id], q)
	}
	for _, id := range order {
		qs := byManager[id]
		first := qs[0]
		reader := r.requesterZone(ctx, first)
		var msg string
		if len(qs) == 1 {
			msg = text.BulkSubmittedManager(chat.Esc(actorName(rec.Submitter)), chat.Esc(targetName(first.Target)), chat.Esc(viewOf(first, reader).at(first.Start)))
		} else {
			names := make([]string, 0, min(len(qs), bulkListed))
			for _, q := range qs[:min(len(qs), bulkListed)] {
				names = append(names, targetName(q.Target))
			}
			list := strings.Join(names, ", ")
			if len(qs) > bulkListed {
				list += " " + text.BulkAndMore(len(qs)-bulkListed)
			}
			c := countBatch(qs)
			msg = text.BulkSubmittedManagerMany(chat.Esc(actorName(rec.Submitter)), len(qs), chat.Esc(rec.Title),
				dayRange(c.first, c.last, c.firstZone, c.lastZone, reader), chat.Esc(list))
		}
		if err := r.toRequester(ctx, first, chat.Message{Text: msg}); err != nil {
			r.log.Warn("tell hiring manager of a batch", "batch", rec.ID, "manager", id, "err", err)
		}
	}
}
