// Package memstore is an in-memory tap.Store for tests and single-process
// demos. It keeps deep copies (tap.Request.Clone) so callers never alias
// its state, and it passes storetest.Run like every other store. As in the
// SQL stores, a sealed pass is kept apart from its request (the sealed
// map) and dropped when the request is saved without it.
//
// It reads the clock with time.Now, so it follows the fake clock inside a
// testing/synctest bubble.
package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// Store is an in-memory tap.Store. The zero value is not usable; call New.
type Store struct {
	mu        sync.Mutex
	requests  map[tap.RequestID]*tap.Request // Sealed always nil
	sealed    map[tap.RequestID][]byte
	seen      map[string]time.Time // key → expiry
	seenPrune int                  // len(seen) at which the next prune runs
	sessions  map[string]tap.Session
	convs     map[string][]byte
	audit     []tap.AuditRecord
	leases    map[string]lease
	closed    bool

	intakeKeys map[intakeKey]tap.IntakeKey
	intakeRefs map[intakeRef][]tap.RequestID
}

type lease struct {
	holder  string
	expires time.Time
}

var _ tap.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		requests:  make(map[tap.RequestID]*tap.Request),
		sealed:    make(map[tap.RequestID][]byte),
		seen:      make(map[string]time.Time),
		seenPrune: 1024,
		sessions:  make(map[string]tap.Session),
		convs:     make(map[string][]byte),
		leases:    make(map[string]lease),

		intakeKeys: make(map[intakeKey]tap.IntakeKey),
		intakeRefs: make(map[intakeRef][]tap.RequestID),
	}
}

func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return errClosed
	}
	return nil
}

var errClosed = errors.New("memstore: closed")

// CreateRequest inserts a copy of r and sets r.Version to 1. ErrConflict
// if the id exists; ErrInvalidInput if r has no id or a non-zero version.
func (s *Store) CreateRequest(ctx context.Context, r *tap.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	if r.ID == "" || r.Version != 0 {
		return fmt.Errorf("create request %q version %d: %w", r.ID, r.Version, tap.ErrInvalidInput)
	}
	if _, ok := s.requests[r.ID]; ok {
		return fmt.Errorf("create request %s: %w", r.ID, tap.ErrConflict)
	}
	if r.State.Open() && r.Target.ID != "" {
		for _, o := range s.requests {
			if o.Target.ID == r.Target.ID && o.State.Open() {
				return fmt.Errorf("create request %s: target %s has open request %s: %w", r.ID, r.Target.ID, o.ID, tap.ErrConflict)
			}
		}
	}
	s.save(r, 1)
	r.Version = 1
	return nil
}

// GetRequest returns a copy. ErrNotFound if absent.
func (s *Store) GetRequest(ctx context.Context, id tap.RequestID) (*tap.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if _, ok := s.requests[id]; !ok {
		return nil, fmt.Errorf("get request %s: %w", id, tap.ErrNotFound)
	}
	return s.load(id), nil
}

// UpdateRequest saves a copy of r if the stored version equals r.Version,
// then increments r.Version. ErrConflict if another writer won;
// ErrNotFound if absent.
func (s *Store) UpdateRequest(ctx context.Context, r *tap.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	cur, ok := s.requests[r.ID]
	if !ok {
		return fmt.Errorf("update request %s: %w", r.ID, tap.ErrNotFound)
	}
	if cur.Version != r.Version {
		return fmt.Errorf("update request %s at version %d (stored %d): %w", r.ID, r.Version, cur.Version, tap.ErrConflict)
	}
	s.save(r, r.Version+1)
	r.Version++
	return nil
}

// save stores a copy of r at version v, its sealed pass apart; the sealed
// entry is dropped when r has none. The caller holds mu.
func (s *Store) save(r *tap.Request, v int64) {
	c := r.Clone()
	c.Version, c.Sealed = v, nil
	s.requests[r.ID] = c
	if len(r.Sealed) == 0 {
		delete(s.sealed, r.ID)
		return
	}
	s.sealed[r.ID] = slices.Clone(r.Sealed)
}

// load returns a copy of the stored request id with its sealed pass. The
// caller holds mu and has checked that id exists.
func (s *Store) load(id tap.RequestID) *tap.Request {
	c := s.requests[id].Clone()
	if b, ok := s.sealed[id]; ok {
		c.Sealed = slices.Clone(b)
	}
	return c
}

// ListRequests returns copies of the matching requests, oldest first
// (CreatedAt, then ID).
func (s *Store) ListRequests(ctx context.Context, f tap.RequestFilter) ([]*tap.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out []*tap.Request
	for _, r := range s.requests {
		if match(r, f) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *tap.Request) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	for i, r := range out {
		out[i] = s.load(r.ID)
	}
	return out, nil
}

func match(r *tap.Request, f tap.RequestFilter) bool {
	if len(f.States) > 0 && !slices.Contains(f.States, r.State) {
		return false
	}
	if f.Requester != "" && r.Requester.EntraID != f.Requester {
		return false
	}
	if f.Target != "" && r.Target.ID != f.Target {
		return false
	}
	if !f.DueBefore.IsZero() && (r.Due().IsZero() || r.Due().After(f.DueBefore)) {
		return false
	}
	if f.Queued && r.IssueQueued.IsZero() {
		return false
	}
	if !f.Since.IsZero() && r.CreatedAt.Before(f.Since) {
		return false
	}
	if f.Batch != "" && (r.Batch == nil || r.Batch.ID != f.Batch) {
		return false
	}
	return true
}

// MarkSeen records key until now+ttl. It returns true the first time and
// false while the key is unexpired.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return false, err
	}
	now := time.Now()
	if exp, ok := s.seen[key]; ok && now.Before(exp) {
		return false, nil
	}
	s.seen[key] = now.Add(ttl)
	if len(s.seen) >= s.seenPrune {
		for k, exp := range s.seen {
			if !now.Before(exp) {
				delete(s.seen, k)
			}
		}
		s.seenPrune = max(1024, 2*len(s.seen))
	}
	return true, nil
}

// GetSession returns a live session. ErrNotFound if absent or expired. A
// session with a zero Expires never expires.
func (s *Store) GetSession(ctx context.Context, key string) (tap.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return tap.Session{}, err
	}
	ss, ok := s.sessions[key]
	if !ok || (!ss.Expires.IsZero() && !time.Now().Before(ss.Expires)) {
		return tap.Session{}, fmt.Errorf("get session %s: %w", key, tap.ErrNotFound)
	}
	ss.Data = slices.Clone(ss.Data)
	return ss, nil
}

// PutSession inserts or replaces a session.
func (s *Store) PutSession(ctx context.Context, ss tap.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	ss.Data = slices.Clone(ss.Data)
	s.sessions[ss.Key] = ss
	return nil
}

// DeleteSession removes a session; absent is not an error.
func (s *Store) DeleteSession(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	delete(s.sessions, key)
	return nil
}

// PutConversation stores ref under key, replacing any earlier one.
func (s *Store) PutConversation(ctx context.Context, key string, ref []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	s.convs[key] = slices.Clone(ref)
	return nil
}

// GetConversation returns the ref stored under key. ErrNotFound if absent.
func (s *Store) GetConversation(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	ref, ok := s.convs[key]
	if !ok {
		return nil, fmt.Errorf("get conversation %s: %w", key, tap.ErrNotFound)
	}
	return slices.Clone(ref), nil
}

// LastAudit returns the newest audit record; ErrNotFound if none.
func (s *Store) LastAudit(ctx context.Context) (tap.AuditRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return tap.AuditRecord{}, err
	}
	if len(s.audit) == 0 {
		return tap.AuditRecord{}, fmt.Errorf("last audit record: %w", tap.ErrNotFound)
	}
	return cloneAudit(s.audit[len(s.audit)-1]), nil
}

// AppendAudit appends rec. ErrConflict if rec.Seq is already taken;
// ErrInvalidInput if it would leave a gap.
func (s *Store) AppendAudit(ctx context.Context, rec tap.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	next := int64(len(s.audit)) + 1
	switch {
	case rec.Seq < next:
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, tap.ErrConflict)
	case rec.Seq > next:
		return fmt.Errorf("append audit seq %d, next is %d: %w", rec.Seq, next, tap.ErrInvalidInput)
	}
	rec = cloneAudit(rec)
	rec.At = rec.At.UTC().Round(0)
	s.audit = append(s.audit, rec)
	return nil
}

// ListAudit returns records with Seq > after, in order, at most limit (0: all).
func (s *Store) ListAudit(ctx context.Context, after int64, limit int) ([]tap.AuditRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out []tap.AuditRecord
	for _, rec := range s.audit[min(max(after, 0), int64(len(s.audit))):] {
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, cloneAudit(rec))
	}
	return out, nil
}

func cloneAudit(rec tap.AuditRecord) tap.AuditRecord {
	if rec.Detail != nil {
		d := make(map[string]string, len(rec.Detail))
		for k, v := range rec.Detail {
			d[k] = v
		}
		rec.Detail = d
	}
	return rec
}

// AcquireLease takes or renews the named lease for holder until now+ttl.
// It returns false if another holder has it unexpired.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return false, err
	}
	now := time.Now()
	if l, ok := s.leases[name]; ok && l.holder != holder && now.Before(l.expires) {
		return false, nil
	}
	s.leases[name] = lease{holder: holder, expires: now.Add(ttl)}
	return true, nil
}

// Close marks the store closed; later calls fail.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
