package simtenant

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"time"
)

// Graph's TAP error texts, as Graph v1.0 words them for a refused create.
const (
	msgLifetime  = "Invalid LifetimeInMinutes specified. The valid range between %d and %d."
	msgPastStart = "Invalid StartDateTime specified. It can not be a time in the past."
	msgGuest     = "Temporary Access Pass cannot be added to an external guest user."
	msgPolicy    = "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
	// msgMultiUse is not documented by Microsoft; it stands for the
	// refusal of a multi-use pass when the policy requires one-time use.
	msgMultiUse = "Multi-use Temporary Access Pass is not allowed by the Temporary Access Pass policy."
)

const (
	passLetters = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	passPunct   = "!#$%&*+-=?@^_~"
)

// newPassValue returns a random pass of n characters drawn from letters,
// digits and punctuation, with at least one punctuation character (real
// passes look like "+drkzqAD" or "TAPRocks!").
func newPassValue(n int) string {
	if n < 8 {
		n = 8
	}
	all := passLetters + passPunct
	b := make([]byte, n)
	for i := range b {
		b[i] = all[randInt(len(all))]
	}
	b[randInt(n)] = passPunct[randInt(len(passPunct))]
	return string(b)
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return int(v.Int64())
}

// usabilityLocked computes isUsable and methodUsabilityReason for p now.
func (t *Tenant) usabilityLocked(uid string, p *pass) (bool, string) {
	now := t.now()
	switch {
	case !now.Before(p.start.Add(time.Duration(p.lifetime) * time.Minute)):
		return false, "Expired"
	case p.once && p.uses > 0:
		return false, "OneTimeUsed"
	case now.Before(p.start):
		return false, "NotYetValid"
	case !t.inPolicyLocked(uid):
		return false, "DisabledByPolicy"
	}
	return true, "EnabledByPolicy"
}

// inPolicyLocked reports whether the policy is enabled and includes uid
// without excluding it.
func (t *Tenant) inPolicyLocked(uid string) bool {
	return t.policy.Enabled && t.includedLocked(uid) && !t.excludedLocked(uid)
}

func (t *Tenant) targetsLocked(uid string, targets []string) bool {
	groups := t.transitiveGroupsLocked(uid)
	for _, id := range targets {
		if id == "all_users" || id == uid || groups[id] {
			return true
		}
	}
	return false
}

func (t *Tenant) includedLocked(uid string) bool { return t.targetsLocked(uid, t.policy.Include) }
func (t *Tenant) excludedLocked(uid string) bool { return t.targetsLocked(uid, t.policy.Exclude) }

// passJSON is Graph's temporaryAccessPassAuthenticationMethod; the value
// is null unless withValue.
func (t *Tenant) passJSON(uid string, p *pass, withValue bool) map[string]any {
	usable, reason := t.usabilityLocked(uid, p)
	m := map[string]any{
		"@odata.type":           "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
		"id":                    p.id,
		"temporaryAccessPass":   nil,
		"createdDateTime":       graphTime(p.created),
		"startDateTime":         graphTime(p.start),
		"lifetimeInMinutes":     p.lifetime,
		"isUsableOnce":          p.once,
		"isUsable":              usable,
		"methodUsabilityReason": reason,
	}
	if withValue {
		m["temporaryAccessPass"] = p.value
	}
	return m
}

// createBody is the POST body; absent fields are nil.
type createBody struct {
	StartDateTime     *string `json:"startDateTime"`
	LifetimeInMinutes *int    `json:"lifetimeInMinutes"`
	IsUsableOnce      *bool   `json:"isUsableOnce"`
}

// createPass handles POST …/temporaryAccessPassMethods.
func (t *Tenant) createPass(w http.ResponseWriter, r *http.Request, key string, body []byte) {
	var in createBody
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
			return
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	u := t.users[uid]
	now := t.now()
	pol := t.policy
	if u.External() {
		badRequest(w, r, msgGuest)
		return
	}
	if !pol.Enabled || t.excludedLocked(uid) {
		badRequest(w, r, msgPolicy)
		return
	}
	lifetime := pol.DefaultLifetimeMinutes
	if in.LifetimeInMinutes != nil {
		lifetime = *in.LifetimeInMinutes
	}
	if lifetime < pol.MinLifetimeMinutes || lifetime > pol.MaxLifetimeMinutes || lifetime < 10 || lifetime > 43200 {
		badRequest(w, r, fmt.Sprintf(msgLifetime, pol.MinLifetimeMinutes, pol.MaxLifetimeMinutes))
		return
	}
	start := now
	if in.StartDateTime != nil {
		s, err := time.Parse(time.RFC3339Nano, *in.StartDateTime)
		if err != nil {
			badRequest(w, r, "Invalid StartDateTime specified.")
			return
		}
		if s.Before(now.Add(-time.Second)) {
			badRequest(w, r, msgPastStart)
			return
		}
		start = s
	}
	once := pol.IsUsableOnce
	if in.IsUsableOnce != nil {
		once = *in.IsUsableOnce
	}
	if pol.IsUsableOnce && !once {
		badRequest(w, r, msgMultiUse)
		return
	}
	p := &pass{id: newID(), value: newPassValue(pol.DefaultLength), created: now,
		start: start.UTC(), lifetime: lifetime, once: once}
	t.passes[uid] = p // one per user: the new pass replaces any old one
	t.creates[uid]++
	writeJSON(w, http.StatusCreated, t.passJSON(uid, p, true))
}

// listPasses handles GET …/temporaryAccessPassMethods.
func (t *Tenant) listPasses(w http.ResponseWriter, r *http.Request, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	value := []any{}
	if p := t.passes[uid]; p != nil {
		value = append(value, t.passJSON(uid, p, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + uid + "')/authentication/temporaryAccessPassMethods",
		"value":          value,
	})
}

// passItem handles GET and DELETE …/temporaryAccessPassMethods/{id}.
func (t *Tenant) passItem(w http.ResponseWriter, r *http.Request, key, methodID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	p := t.passes[uid]
	if p == nil || p.id != methodID {
		notFound(w, r, methodID)
		return
	}
	if r.Method == http.MethodDelete {
		delete(t.passes, uid)
		t.deletes[uid]++
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, t.passJSON(uid, p, false))
}
