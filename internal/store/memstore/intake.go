package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

var _ tap.IntakeStore = (*Store)(nil)

type intakeKey struct{ caller, key string }

type intakeRef struct {
	caller, ref string
}

// ReserveIntakeKey implements tap.IntakeStore.
func (s *Store) ReserveIntakeKey(ctx context.Context, k tap.IntakeKey, ttl, stale time.Duration) (tap.IntakeKey, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return tap.IntakeKey{}, false, err
	}
	now := time.Now().UTC()
	id := intakeKey{k.Caller, k.Key}
	if cur, ok := s.intakeKeys[id]; ok && now.Before(cur.Expires) && (cur.Request != "" || now.Before(cur.Created.Add(stale))) {
		return cur, false, nil
	}
	k.Request, k.Created, k.Expires = "", now, now.Add(ttl)
	s.intakeKeys[id] = k
	return k, true, nil
}

// CompleteIntakeKey implements tap.IntakeStore.
func (s *Store) CompleteIntakeKey(ctx context.Context, caller, key, bodyHash string, id tap.RequestID, externalRef string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	k, ok := s.intakeKeys[intakeKey{caller, key}]
	if !ok || k.BodyHash != bodyHash || k.Request != "" {
		return fmt.Errorf("complete intake key: %w", tap.ErrNotFound)
	}
	k.Request = id
	s.intakeKeys[intakeKey{caller, key}] = k
	if externalRef != "" {
		r := intakeRef{caller, externalRef}
		s.intakeRefs[r] = append(s.intakeRefs[r], id)
	}
	return nil
}

// ReleaseIntakeKey implements tap.IntakeStore.
func (s *Store) ReleaseIntakeKey(ctx context.Context, caller, key, bodyHash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	id := intakeKey{caller, key}
	if k, ok := s.intakeKeys[id]; ok && k.BodyHash == bodyHash && k.Request == "" {
		delete(s.intakeKeys, id)
	}
	return nil
}

// IntakeRequests implements tap.IntakeStore.
func (s *Store) IntakeRequests(ctx context.Context, caller, externalRef string) ([]tap.RequestID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return append([]tap.RequestID(nil), s.intakeRefs[intakeRef{caller, externalRef}]...), nil
}
