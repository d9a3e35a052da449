package simtenant

import (
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// RegisterMethod simulates the user registering an authentication method
// (Windows Hello, Authenticator, FIDO2, ...). It returns the method id.
func (t *Tenant) RegisterMethod(user string, kind tap.MethodKind) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(user)
	if !ok {
		return "", fmt.Errorf("register method: no user %q", user)
	}
	if kind == tap.MethodPassword || kind == tap.MethodTAP {
		return "", fmt.Errorf("register method: %s is not registered this way", kind)
	}
	m := method{id: newID(), kind: kind, created: t.now()}
	t.methods[uid] = append(t.methods[uid], m)
	if err := t.saveLocked(); err != nil {
		return "", err
	}
	return m.id, nil
}

// UseOnce simulates one sign-in with the user's pass. A one-time pass
// then reports OneTimeUsed.
func (t *Tenant) UseOnce(user string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(user)
	if !ok {
		return fmt.Errorf("use pass: no user %q", user)
	}
	p := t.passes[uid]
	if p == nil {
		return fmt.Errorf("use pass: user %q has no pass", user)
	}
	if usable, reason := t.usabilityLocked(uid, p); !usable {
		return fmt.Errorf("use pass: pass is not usable (%s)", reason)
	}
	p.uses++
	return t.saveLocked()
}

// Passes returns the user's TAP (at most one), value included.
func (t *Tenant) Passes(user string) []PassInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(user)
	if !ok || t.passes[uid] == nil {
		return nil
	}
	p := t.passes[uid]
	usable, reason := t.usabilityLocked(uid, p)
	return []PassInfo{{ID: p.id, Value: p.value, Created: p.created, Start: p.start,
		LifetimeMinutes: p.lifetime, IsUsableOnce: p.once, Uses: p.uses, IsUsable: usable, Reason: reason}}
}

// Creates is how many TAP creates succeeded for user.
func (t *Tenant) Creates(user string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, _ := t.lookupLocked(user)
	return t.creates[uid]
}

// TotalCreates is how many TAP creates succeeded in the tenant.
func (t *Tenant) TotalCreates() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range t.creates {
		n += c
	}
	return n
}

// Deletes is how many TAP deletes succeeded for user.
func (t *Tenant) Deletes(user string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, _ := t.lookupLocked(user)
	return t.deletes[uid]
}

// Requests returns a copy of every request received so far.
func (t *Tenant) Requests() []Recorded {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Recorded(nil), t.requests...)
}

// ClearRequests empties the request log.
func (t *Tenant) ClearRequests() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests = nil
}

// ExpirePass simulates the end of the user's pass: its window is moved so
// that it ended now, and Graph then reports it Expired.
func (t *Tenant) ExpirePass(user string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(user)
	if !ok {
		return fmt.Errorf("expire pass: no user %q", user)
	}
	p := t.passes[uid]
	if p == nil {
		return fmt.Errorf("expire pass: user %q has no pass", user)
	}
	p.start = t.now().Add(-time.Duration(p.lifetime) * time.Minute)
	return t.saveLocked()
}
