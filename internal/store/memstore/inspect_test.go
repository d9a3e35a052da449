package memstore

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

var _ storetest.Inspector = (*Store)(nil)

// SealedRows is 1 when the sealed map holds id.
func (s *Store) SealedRows(_ context.Context, id tap.RequestID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sealed[id]; ok {
		return 1, nil
	}
	return 0, nil
}

// RequestsHold looks through every stored request, its JSON and its
// Sealed field.
func (s *Store) RequestsHold(_ context.Context, b []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		doc, err := json.Marshal(r)
		if err != nil {
			return false, err
		}
		if bytes.Contains(doc, b) || bytes.Contains(r.Sealed, b) {
			return true, nil
		}
	}
	return false, nil
}
