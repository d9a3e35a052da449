package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// Lease is the store lease name Run holds while polling.
const Lease = "watcher"

// maxBackoff caps the pause after 429s without Retry-After.
const maxBackoff = 15 * time.Minute

// SignInReader reads a user's sign-ins since a time (graph.Client).
type SignInReader interface {
	SignIns(ctx context.Context, user tap.UserID, since time.Time) ([]tap.SignIn, error)
}

// PassLister lists a user's passes (graph.Client); used to see a
// one-time pass's use (OneTimeUsed) when sign-in logs are unavailable.
type PassLister interface {
	ListPasses(ctx context.Context, user tap.UserID) ([]tap.Pass, error)
}

// Store is the part of tap.Store the watcher uses.
type Store interface {
	ListRequests(ctx context.Context, f tap.RequestFilter) ([]*tap.Request, error)
	GetRequest(ctx context.Context, id tap.RequestID) (*tap.Request, error)
	UpdateRequest(ctx context.Context, r *tap.Request) error
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// Auditor appends audit records (audit.Trail).
type Auditor interface {
	Record(ctx context.Context, rec tap.AuditRecord) error
}

// Notifier delivers an alert: to the approvers channel with Revoke pass
// now / Expected; RuleNeverUsed also to the requester.
type Notifier interface {
	Alert(ctx context.Context, a Alert, r *tap.Request) error
}

// Deps are the watcher's collaborators. Passes and Notifier may be nil.
type Deps struct {
	Store    Store
	SignIns  SignInReader
	Passes   PassLister
	Audit    Auditor
	Notifier Notifier
	Log      *slog.Logger
	Now      func() time.Time
}

// Watcher polls sign-ins of live passes and raises alerts.
type Watcher struct {
	Deps
	cfg   Config
	rules *Rules

	mu         sync.Mutex
	cursor     int
	pauseUntil time.Time
	backoff    time.Duration
	noLogs     bool // the sign-in log answered 403: said once, not asked again
}

// New builds a watcher; cfg gets defaults and is validated.
func New(cfg Config, d Deps) (*Watcher, error) {
	cfg = cfg.WithDefaults()
	rules, err := NewRules(cfg)
	if err != nil {
		return nil, err
	}
	if d.Store == nil || d.SignIns == nil || d.Audit == nil {
		return nil, fmt.Errorf("watch: store, sign-in reader and audit trail are required: %w", tap.ErrInvalidInput)
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Watcher{Deps: d, cfg: cfg, rules: rules}, nil
}

// Run polls every interval while it holds the Lease as holder, so one
// replica polls. It returns ctx.Err() when ctx is done.
func (w *Watcher) Run(ctx context.Context, holder string) error {
	w.Check(ctx)
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		ok, err := w.Store.AcquireLease(ctx, Lease, holder, 3*w.cfg.Interval)
		switch {
		case err != nil && ctx.Err() == nil:
			w.Log.WarnContext(ctx, "watcher lease", "holder", holder, "err", err)
		case ok:
			if _, err := w.Tick(ctx); err != nil && ctx.Err() == nil {
				w.Log.WarnContext(ctx, "watch", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			if ok {
				rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, _ = w.Store.AcquireLease(rctx, Lease, holder, 0)
				cancel()
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Check asks the sign-in log once (when the reader can, as graph.Client
// does) so a missing permission is said at start, once, not at the first
// pass. Other errors are left to the polls.
func (w *Watcher) Check(ctx context.Context) {
	c, ok := w.SignIns.(interface{ CheckSignIns(context.Context) error })
	w.mu.Lock()
	known := w.noLogs
	w.mu.Unlock()
	if !ok || known {
		return
	}
	if err := c.CheckSignIns(ctx); errors.Is(err, tap.ErrPermission) {
		w.logsUnavailable(err)
	}
}

// logsUnavailable notes, once, that the sign-in log refused.
func (w *Watcher) logsUnavailable(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.noLogs {
		return
	}
	w.noLogs = true
	w.Log.Warn("sign-in logs unavailable: pass use is seen only for one-time passes (OneTimeUsed); "+
		"grant AuditLog.Read.All (needs Entra ID P1) for the full watch", "err", err)
}

// budget is how many passes one tick may poll under the per-minute cap.
func (w *Watcher) budget() int {
	n := int(int64(w.cfg.PerMinute) * int64(w.cfg.Interval) / int64(time.Minute))
	return max(n, 1)
}

// Tick polls the next passes (at most the budget, round robin) once
// each and returns how many it polled. After a 429 it pauses for
// Retry-After (or a doubling backoff) and polls nothing until then.
func (w *Watcher) Tick(ctx context.Context) (int, error) {
	now := w.Now()
	w.mu.Lock()
	paused := now.Before(w.pauseUntil)
	w.mu.Unlock()
	if paused {
		return 0, nil
	}
	live, err := w.live(ctx, now)
	if err != nil {
		return 0, err
	}
	n := min(w.budget(), len(live))
	w.mu.Lock()
	start := w.cursor
	w.cursor = (w.cursor + n) % max(len(live), 1)
	w.mu.Unlock()
	var errs []error
	for i := range n {
		r := live[(start+i)%len(live)]
		err := w.poll(ctx, r, now)
		var th interface{ RetryAfter() time.Duration }
		if errors.As(err, &th) || errors.Is(err, tap.ErrThrottled) {
			w.pause(now, th)
			return i + 1, nil
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("request %s: %w", r.ID, err))
		}
	}
	w.mu.Lock()
	w.backoff = 0
	w.mu.Unlock()
	return n, errors.Join(errs...)
}

func (w *Watcher) pause(now time.Time, th interface{ RetryAfter() time.Duration }) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var d time.Duration
	if th != nil {
		d = th.RetryAfter()
	}
	if d <= 0 {
		w.backoff = min(max(2*w.backoff, w.cfg.Interval), maxBackoff)
		d = w.backoff
	}
	w.pauseUntil = now.Add(d)
	w.Log.Warn("sign-in log throttled; pausing", "for", d.String())
}

// Paused reports until when polling is paused after a 429 (zero if not).
func (w *Watcher) Paused() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pauseUntil
}

// live lists requests whose pass is live or ended less than After ago,
// sorted by id so the round robin is stable. Live passes are found by
// state whenever the request was made (an HR request may be made weeks
// before the start); ended ones among the requests of the Lookback.
func (w *Watcher) live(ctx context.Context, now time.Time) ([]*tap.Request, error) {
	open, err := w.Store.ListRequests(ctx, tap.RequestFilter{States: []tap.State{tap.StateIssued, tap.StateDelivered}})
	if err != nil {
		return nil, fmt.Errorf("watch: list passes: %w", err)
	}
	ended, err := w.Store.ListRequests(ctx, tap.RequestFilter{
		States: []tap.State{tap.StateConfirmed, tap.StateExpired}, Since: now.Add(-w.cfg.Lookback - w.cfg.After)})
	if err != nil {
		return nil, fmt.Errorf("watch: list passes: %w", err)
	}
	var out []*tap.Request
	for _, r := range append(open, ended...) {
		if !r.IssuedAt.IsZero() && !r.PassExpires.IsZero() && now.Before(r.PassExpires.Add(w.cfg.After)) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// PassOf is the watched view of r.
func PassOf(r *tap.Request) Pass {
	p := Pass{Request: r.ID, User: r.Target.ID, Name: r.Target.DisplayName, Start: r.PassStart, Ends: r.PassExpires,
		StartDay: r.Target.HireDate, Unrevealed: r.RevealedAt.IsZero() && r.State == tap.StateExpired}
	if p.Start.IsZero() {
		p.Start = r.IssuedAt
	}
	if p.StartDay.IsZero() {
		p.StartDay = r.Start
	}
	if z, err := time.LoadLocation(r.HireZone); err == nil && r.HireZone != "" {
		p.Zone = z
	}
	if p.Name == "" {
		p.Name = r.Target.UPN
	}
	return p
}

// poll reads one pass's sign-ins, records its first use and raises
// each new alert.
func (w *Watcher) poll(ctx context.Context, r *tap.Request, now time.Time) error {
	p := PassOf(r)
	ins, used, known, err := w.usage(ctx, r, p)
	if err != nil {
		return err
	}
	if first, ok := FirstUse(p, ins); ok {
		if err := w.firstUse(ctx, r, first); err != nil {
			return err
		}
	} else if used {
		if err := w.firstUse(ctx, r, tap.SignIn{At: now}); err != nil {
			return err
		}
	}
	var errs []error
	// A confirmed setup is not a pass "never used", whatever the log says.
	// Nor is one whose first use an earlier poll recorded: later sign-ins
	// may have pushed it out of the log's newest pages.
	settled := used || r.FirstUse != nil || !known || r.State == tap.StateConfirmed
	for _, a := range w.rules.Evaluate(p, ins, settled, now) {
		errs = append(errs, w.raise(ctx, r, a))
	}
	return errors.Join(errs...)
}

// usage reads the sign-ins; when the log is unavailable (403) it says so
// once and falls back to the pass's OneTimeUsed. known is false when
// nothing can tell whether the pass was used.
func (w *Watcher) usage(ctx context.Context, r *tap.Request, p Pass) (ins []tap.SignIn, used, known bool, err error) {
	w.mu.Lock()
	noLogs := w.noLogs
	w.mu.Unlock()
	if !noLogs {
		ins, err = w.SignIns.SignIns(ctx, p.User, p.Start.Add(-5*time.Minute))
		if err == nil {
			_, used = FirstUse(p, ins)
			return ins, used, true, nil
		}
		if !errors.Is(err, tap.ErrPermission) {
			return nil, false, false, err
		}
		w.logsUnavailable(err)
	}
	if w.Passes == nil || !r.OneTime {
		return nil, false, false, nil
	}
	ps, err := w.Passes.ListPasses(ctx, p.User)
	if err != nil {
		return nil, false, false, err
	}
	for _, x := range ps {
		if x.MethodID == r.MethodID && x.UsabilityReason == "OneTimeUsed" {
			return nil, true, true, nil
		}
	}
	return nil, false, true, nil
}

// firstUse records s as r's first use, once: on the request (status
// shows it) with a compare-and-swap, then in the audit trail.
func (w *Watcher) firstUse(ctx context.Context, r *tap.Request, s tap.SignIn) error {
	if r.FirstUse != nil {
		return nil
	}
	for range 3 {
		cur, err := w.Store.GetRequest(ctx, r.ID)
		if err != nil || cur.FirstUse != nil {
			return err
		}
		use := s
		cur.FirstUse = &use
		err = w.Store.UpdateRequest(ctx, cur)
		if errors.Is(err, tap.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		d := map[string]string{"at": s.At.UTC().Format(time.RFC3339)}
		if s.IP != "" {
			d["ip"], d["where"] = s.IP, s.Where()
		} else {
			d["seen_as"] = "OneTimeUsed"
		}
		return w.Audit.Record(ctx, tap.AuditRecord{Actor: "system", Action: ActionFirstUse, Request: r.ID,
			MethodID: r.MethodID, Outcome: "ok", Detail: d})
	}
	return fmt.Errorf("watch: record first use of %s: the request kept changing: %w", r.ID, tap.ErrConflict)
}

// raise records and sends a once per pass and rule. The rule is claimed
// on the request (compare-and-swap) before the alert is audited and sent,
// so a lease handed over mid-poll does not send it twice; a failed audit
// or delivery gives the claim back and the next poll raises it again,
// so an alert is never lost to a chat outage.
func (w *Watcher) raise(ctx context.Context, r *tap.Request, a Alert) error {
	if slices.Contains(r.Alerted, string(a.Rule)) {
		return nil
	}
	claimed, err := w.claim(ctx, r.ID, a.Rule, true)
	if err != nil || !claimed {
		return err
	}
	err = w.Audit.Record(ctx, tap.AuditRecord{Actor: "system", Action: ActionAlert, Request: r.ID,
		MethodID: r.MethodID, Outcome: "ok", Detail: map[string]string{"rule": string(a.Rule),
			"facts": strings.Join(a.Facts, "\n")}})
	if err == nil && w.Notifier != nil {
		err = w.Notifier.Alert(ctx, a, r)
	}
	if err != nil {
		// A context ended by shutdown still gives the claim back.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, uerr := w.claim(uctx, r.ID, a.Rule, false)
		return errors.Join(fmt.Errorf("watch: alert %s not delivered, raised again at the next poll: %w", a.Rule, err), uerr)
	}
	w.Log.InfoContext(ctx, "watch alert", "request", r.ID, "rule", a.Rule)
	return nil
}

// claim adds rule to (on) or removes it from (!on) the request's Alerted
// with a compare-and-swap. changed is false when it already was so.
func (w *Watcher) claim(ctx context.Context, id tap.RequestID, rule Rule, on bool) (changed bool, err error) {
	for range 5 {
		cur, err := w.Store.GetRequest(ctx, id)
		if err != nil {
			return false, fmt.Errorf("watch: claim alert: %w", err)
		}
		has := slices.Contains(cur.Alerted, string(rule))
		if has == on {
			return false, nil
		}
		if on {
			cur.Alerted = append(cur.Alerted, string(rule))
		} else {
			cur.Alerted = slices.DeleteFunc(cur.Alerted, func(s string) bool { return s == string(rule) })
		}
		err = w.Store.UpdateRequest(ctx, cur)
		if errors.Is(err, tap.ErrConflict) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("watch: claim alert: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("watch: claim alert on %s: the request kept changing: %w", id, tap.ErrConflict)
}

// Audit actions the watcher writes.
const (
	ActionFirstUse = "pass.first_use"
	ActionAlert    = "watch.alert"
	ActionRevoke   = "watch.revoke"
	ActionExpected = "watch.expected"
)
