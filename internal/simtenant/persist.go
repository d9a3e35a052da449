package simtenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// savedState is what survives a local-mode restart: each user's pass
// (never its value: like Entra, the value exists only in the create
// response), registered methods and the sign-in log. Users, groups and roles are rebuilt
// by Demo and LoadExtra with the same ids on every start.
type savedState struct {
	Passes  map[string]savedPass     `json:"passes"`
	Methods map[string][]savedMethod `json:"methods"`
	SignIns []savedSignIn            `json:"sign_ins,omitempty"`
	// SignInSeq numbers the next sign-in, so ids stay unique.
	SignInSeq int `json:"sign_in_seq,omitempty"`
}

type savedSignIn struct {
	ID string `json:"id"`
	SignIn
}

type savedPass struct {
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Start    time.Time `json:"start"`
	Lifetime int       `json:"lifetime_minutes"`
	Once     bool      `json:"once"`
	Uses     int       `json:"uses"`
}

type savedMethod struct {
	ID      string         `json:"id"`
	Kind    tap.MethodKind `json:"kind"`
	Created time.Time      `json:"created"`
}

// PersistTo keeps the tenant's passes and methods in the file at path:
// it loads them now if the file exists, and rewrites it after every
// change. Local mode calls it with a file in the data dir, so the passes
// the store still refers to exist after a restart.
func (t *Tenant) PersistTo(path string) error {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("simtenant state: %w", err)
	default:
		var s savedState
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("simtenant state %s: %w", path, err)
		}
		t.mu.Lock()
		t.restoreLocked(s)
		t.mu.Unlock()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.statePath = path
	return t.saveLocked()
}

func (t *Tenant) restoreLocked(s savedState) {
	clear(t.passes) // the snapshot is the whole truth: a pass deleted before the restart stays deleted
	for uid, p := range s.Passes {
		if _, ok := t.users[uid]; !ok {
			continue
		}
		t.passes[uid] = &pass{id: p.ID, created: p.Created, start: p.Start, lifetime: p.Lifetime, once: p.Once, uses: p.Uses}
	}
	for uid, ms := range s.Methods {
		if _, ok := t.users[uid]; !ok {
			continue
		}
		restored := make([]method, 0, len(ms))
		for _, m := range ms {
			restored = append(restored, method{id: m.ID, kind: m.Kind, created: m.Created})
		}
		t.methods[uid] = restored // the saved snapshot already holds what Demo seeded
	}
	t.signIns = t.signIns[:0]
	for _, si := range s.SignIns {
		if _, ok := t.users[si.UserID]; ok {
			t.signIns = append(t.signIns, storedSignIn{id: si.ID, SignIn: si.SignIn})
		}
	}
	t.signInSeq = max(t.signInSeq, s.SignInSeq)
}

// saveLocked writes the state file atomically (mode 0600) when PersistTo
// set one.
func (t *Tenant) saveLocked() error {
	if t.statePath == "" {
		return nil
	}
	s := savedState{Passes: map[string]savedPass{}, Methods: map[string][]savedMethod{}}
	for uid, p := range t.passes {
		s.Passes[uid] = savedPass{ID: p.id, Created: p.created, Start: p.start, Lifetime: p.lifetime, Once: p.once, Uses: p.uses}
	}
	for uid, ms := range t.methods {
		for _, m := range ms {
			s.Methods[uid] = append(s.Methods[uid], savedMethod{ID: m.id, Kind: m.kind, Created: m.created})
		}
	}
	for _, si := range t.signIns {
		s.SignIns = append(s.SignIns, savedSignIn{ID: si.id, SignIn: si.SignIn})
	}
	s.SignInSeq = t.signInSeq
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("simtenant state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(t.statePath), ".simtenant-*")
	if err != nil {
		return fmt.Errorf("simtenant state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("simtenant state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("simtenant state: %w", err)
	}
	if err := os.Rename(tmp.Name(), t.statePath); err != nil {
		return fmt.Errorf("simtenant state: %w", err)
	}
	return nil
}

// persist saves after a change made through the wire API.
func (t *Tenant) persist() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.saveLocked(); err != nil {
		t.saveErr = err
	}
}

// SaveError returns the last error writing the state file, if any.
func (t *Tenant) SaveError() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.saveErr
}
