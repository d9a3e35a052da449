package approvals

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// IssueOn is when a pass is minted: the issue_on configuration value.
type IssueOn string

// Issue modes.
const (
	IssueOnApproval IssueOn = "approval" // mint at the final approval, seal until revealed
	IssueOnReveal   IssueOn = "reveal"   // mint at the requester's reveal click, store nothing
)

// Validate reports whether m is a known mode; empty means IssueOnApproval.
func (m IssueOn) Validate() error {
	switch m {
	case "", IssueOnApproval, IssueOnReveal:
		return nil
	}
	return fmt.Errorf("%q must be %s or %s", string(m), IssueOnApproval, IssueOnReveal)
}

const (
	// stuckAfter is how long a request may sit in issuing before the
	// sweeper reconciles it.
	stuckAfter = time.Minute
	// issueTimeout bounds one issuance (Graph create and the saves
	// around it); it is shorter than stuckAfter.
	issueTimeout = 45 * time.Second
	// createSkew is how much earlier than our claim Graph's clock may
	// date a pass we created.
	createSkew = 2 * time.Minute
	// maxCAS bounds the reload-and-retry loops.
	maxCAS = 8
)

// DefaultApprovalWindow is how long a request waits for approval.
const DefaultApprovalWindow = 24 * time.Hour

// DefaultRevealWindow is how long an issued pass waits to be revealed: a
// sealed live credential should not sit for the pass's whole lifetime.
const DefaultRevealWindow = 24 * time.Hour

// DefaultConfirmMethods are the methods that count as set up.
var DefaultConfirmMethods = []tap.MethodKind{tap.MethodWindowsHello, tap.MethodAuthenticator, tap.MethodFIDO2}

// Config tunes the lifecycle. Zero values take the documented defaults.
type Config struct {
	// IssueOn is IssueOnApproval (default) or IssueOnReveal.
	IssueOn IssueOn
	// ApprovalWindow: pending → expired after it; approvers are reminded
	// at half. Default 24h.
	ApprovalWindow time.Duration
	// RevealWindow: an issued pass not revealed within it is deleted in
	// Entra (never later than the pass would expire). Default 24h.
	RevealWindow time.Duration
	// SealKey is the 32-byte AES-256-GCM key sealing issued passes. It
	// comes from configuration (TAPBOT_SEAL_KEY / _FILE), never the database.
	SealKey []byte
	// PreviousSealKeys open passes sealed before the key was rotated
	// (never used to seal). Keep one until every pass sealed under it is
	// revealed or deleted: RevealWindow after the rotation.
	PreviousSealKeys [][]byte
	// ConfirmMethods are the method kinds that count as a finished setup.
	// Default DefaultConfirmMethods.
	ConfirmMethods []tap.MethodKind
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// WriteLimit and WriteWindow are Graph's write limit for the app
	// (graph.write_limit, graph.write_window; Graph's is DefaultWriteLimit
	// per DefaultWriteWindow). When WriteLimit is set every pass create
	// takes a write slot first (pace.go), so all replicas together stay
	// just under it; zero: creates are not paced (Graph's 429 still
	// holds them back, see the Graph client's write gate).
	WriteLimit  int
	WriteWindow time.Duration
}

// Deps are the Service's collaborators. All but Log are required.
type Deps struct {
	Store     tap.Store
	Directory Directory
	Issuer    PassIssuer
	Checker   Checker
	Audit     Auditor
	Notify    Notifier
	Log       *slog.Logger
	// Hold is a fault hook for tests: when it returns true for a notice
	// just committed, the notice is not delivered at once but left in the
	// outbox, as if the process had been killed between the commit and its
	// notice; the sweeper delivers it. Nil in production.
	Hold func(NoticeKind) bool
}

// Service runs the request lifecycle. Every transition is rehydrated from
// the store through tap.Apply, audited, and saved with a compare-and-swap,
// so several replicas can share one store; notices are committed with the
// transition in the request's outbox and delivered after the commit (see
// outbox.go).
type Service struct {
	cfg   Config
	seal  *sealer
	store tap.Store
	dir   Directory
	iss   PassIssuer
	check Checker
	aud   Auditor
	out   Notifier
	log   *slog.Logger
	hold  func(NoticeKind) bool
	bg    background // background deliveries (NoticeRevealed, NoticeIssuing)
	// wake tells the issuer (RunIssuer) that work was queued.
	wake chan struct{}
}

// New validates cfg, fills defaults and returns a Service.
func New(cfg Config, d Deps) (*Service, error) {
	var errs []error
	if err := cfg.IssueOn.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("issue_on: %w", err))
	}
	if cfg.IssueOn == "" {
		cfg.IssueOn = IssueOnApproval
	}
	if cfg.ApprovalWindow == 0 {
		cfg.ApprovalWindow = DefaultApprovalWindow
	}
	if cfg.RevealWindow == 0 {
		cfg.RevealWindow = DefaultRevealWindow
	}
	if cfg.WriteLimit < 0 || cfg.WriteWindow < 0 || (cfg.WriteLimit > 0 && cfg.WriteWindow == 0) {
		errs = append(errs, fmt.Errorf("write limit %d per %s: set both, positive", cfg.WriteLimit, cfg.WriteWindow))
	}
	if cfg.ApprovalWindow < 0 || cfg.RevealWindow < 0 {
		errs = append(errs, errors.New("approval and reveal windows must not be negative"))
	}
	if len(cfg.ConfirmMethods) == 0 {
		cfg.ConfirmMethods = DefaultConfirmMethods
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	seal, err := newSealer(cfg.SealKey, cfg.PreviousSealKeys...)
	if err != nil {
		errs = append(errs, err)
	}
	for _, dep := range []struct {
		name    string
		missing bool
	}{{"store", d.Store == nil}, {"directory", d.Directory == nil}, {"issuer", d.Issuer == nil},
		{"checker", d.Checker == nil}, {"auditor", d.Audit == nil}, {"notifier", d.Notify == nil}} {
		if dep.missing {
			errs = append(errs, fmt.Errorf("approvals: %s is required", dep.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("approvals config: %w", err)
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	cfg.ConfirmMethods = slices.Clone(cfg.ConfirmMethods)
	iss := d.Issuer
	if cfg.WriteLimit > 0 {
		id, err := newID()
		if err != nil {
			return nil, err
		}
		iss = pacedIssuer{PassIssuer: iss, p: newPacer(cfg.WriteLimit, cfg.WriteWindow, d.Store.AcquireLease, string(id))}
	}
	return &Service{cfg: cfg, seal: seal, store: d.Store, dir: d.Directory, iss: iss,
		check: d.Checker, aud: d.Audit, out: d.Notify, log: d.Log, hold: d.Hold, wake: make(chan struct{}, 1)}, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// newID returns 128 random bits, URL-safe.
func newID() (tap.RequestID, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("request id: %w", err)
	}
	return tap.RequestID(base64.RawURLEncoding.EncodeToString(b[:])), nil
}

// who names an actor for the audit trail and for binding a sealed pass:
// the immutable Entra id when known, else the platform user id.
func who(a tap.Actor) string {
	if a.EntraID != "" {
		return "entra:" + string(a.EntraID)
	}
	if a.ChatID != "" {
		return string(a.Platform) + ":" + a.ChatID
	}
	return ""
}

// same reports whether two actors are the same person, on immutable ids.
func same(a, b tap.Actor) bool {
	k := who(a)
	return k != "" && k == who(b)
}

func name(a *tap.Actor, fallback string) string {
	if a == nil || a.Name == "" {
		return fallback
	}
	return a.Name
}

// snapshot is a copy safe to hand out: the sealed bytes stay inside.
func snapshot(r *tap.Request) *tap.Request {
	if r == nil {
		return nil
	}
	c := r.Clone()
	c.Sealed = nil
	return c
}

// record appends an audit record. must: the caller goes on only if it was
// written (fail closed). Otherwise the failure is logged and the caller
// goes on, because it is removing access, not granting it.
func (s *Service) record(ctx context.Context, r *tap.Request, actor *tap.Actor, action, outcome string, must bool, detail map[string]string) error {
	rec := tap.AuditRecord{At: s.now(), Actor: "system", Action: action, Outcome: outcome, Detail: detail}
	if actor != nil {
		rec.Actor = who(*actor)
	}
	if r != nil {
		rec.Request, rec.MethodID = r.ID, r.MethodID
		if rec.Detail == nil {
			rec.Detail = map[string]string{}
		}
		rec.Detail["state"] = string(r.State)
		rec.Detail["target"] = string(r.Target.ID)
		// The version this step was decided on: a record written before a
		// compare-and-swap that then lost shares it with the winner's.
		rec.Detail["version"] = strconv.FormatInt(r.Version, 10)
	}
	err := s.aud.Record(ctx, rec)
	if err == nil {
		return nil
	}
	if !errors.Is(err, tap.ErrAudit) {
		err = fmt.Errorf("%w: %w", tap.ErrAudit, err)
	}
	s.log.ErrorContext(ctx, "audit record not written", "action", action, "request_id", rec.Request, "must", must, "err", err)
	if must {
		return err
	}
	return nil
}

// refused audits a refusal (best effort) and returns it.
func (s *Service) refused(ctx context.Context, r *tap.Request, actor tap.Actor, action string, ref error) error {
	_ = s.record(ctx, r, &actor, action, "refused", false, map[string]string{"reason": ref.Error()})
	return ref
}

func (s *Service) logTransition(ctx context.Context, r *tap.Request, from tap.State, event tap.Event, actor *tap.Actor) {
	by := "system"
	if actor != nil {
		by = who(*actor)
	}
	s.log.InfoContext(ctx, "request transition", "request_id", r.ID, "event", event, "from", from, "to", r.State, "actor", by, "version", r.Version)
}

var errGaveUp = errors.New("gave up after repeated concurrent updates")

// update loads id and calls change on a copy; if change returns nil the
// copy is saved with a compare-and-swap. Losing the race reloads and runs
// change again on the fresh state, which refuses when the state moved on.
// On error the returned request is the current stored one.
func (s *Service) update(ctx context.Context, id tap.RequestID, change func(r *tap.Request) error) (*tap.Request, error) {
	return s.updateFrom(ctx, id, nil, change)
}

// updateFrom is update starting from known, the request as this replica
// last committed it (sealed bytes included), which saves a read when
// nobody changed it since; nil loads it.
func (s *Service) updateFrom(ctx context.Context, id tap.RequestID, known *tap.Request, change func(r *tap.Request) error) (*tap.Request, error) {
	for range maxCAS {
		cur := known
		known = nil
		if cur == nil {
			loaded, err := s.load(ctx, id)
			if err != nil {
				return nil, err
			}
			cur = loaded
		}
		r := cur.Clone()
		if err := change(r); err != nil {
			return cur, err
		}
		r.UpdatedAt = s.now()
		err := s.store.UpdateRequest(ctx, r)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, tap.ErrConflict) {
			return cur, fmt.Errorf("save request %s: %w", id, err)
		}
		s.log.DebugContext(ctx, "compare-and-swap lost, reloading", "request_id", id, "version", cur.Version)
	}
	return nil, fmt.Errorf("update request %s: %w: %w", id, errGaveUp, tap.ErrConflict)
}

// clock formats t for a refusal sentence: "14:02 UTC", with the date
// when it is not today.
func clock(t, now time.Time) string {
	t = t.UTC()
	if t.Format("2006-01-02") == now.UTC().Format("2006-01-02") {
		return t.Format("15:04 UTC")
	}
	return t.Format("2 Jan 15:04 UTC")
}

// span formats a duration as "1h 12m", "45m" or "30s".
func span(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return strings.TrimSuffix(fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60), " 0m")
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

// moved explains, as a refusal, that r is no longer where the clicker
// thought ("Alex Wilber already approved this at 14:02 UTC.").
func (s *Service) moved(r *tap.Request) *tap.Refusal {
	now := s.now()
	at := clock(r.DecidedAt, now)
	var msg string
	switch r.State {
	case tap.StatePending:
		msg = text.StillPending
	case tap.StateApproved, tap.StateIssuing, tap.StateIssued, tap.StateDelivered, tap.StateConfirmed:
		msg = text.MovedApproved(name(r.DecidedBy, text.AnApprover), at)
	case tap.StateDenied:
		msg = text.MovedDenied(name(r.DecidedBy, text.AnApprover), at)
	case tap.StateCancelled:
		msg = text.MovedCancelled(name(&r.Requester, text.TheRequester), clock(r.ClosedAt, now))
	case tap.StateExpired:
		msg = text.MovedExpired(clock(r.ClosedAt, now))
	case tap.StateRevoked:
		msg = text.MovedRevoked(clock(r.ClosedAt, now))
	case tap.StateFailed:
		msg = text.MovedFailed(r.FailReason)
	default:
		msg = text.MovedOther(string(r.State))
	}
	return tap.Refuse(tap.ErrInvalidTransition, msg)
}
