package simtenant

import (
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// PasswordMethodID is the fixed id Graph gives every user's password method.
const PasswordMethodID = "28c10230-6103-485e-b985-444c60001490"

type pass struct {
	id       string
	value    string
	created  time.Time
	start    time.Time
	lifetime int
	once     bool
	uses     int
}

type method struct {
	id      string
	kind    tap.MethodKind
	created time.Time
}

type roleAssignment struct {
	id        string
	principal string
	roleID    string
	eligible  bool
}

// Tenant is a fake Entra tenant. Its zero value is not usable; call New.
// All methods are safe for concurrent use.
type Tenant struct {
	mu        sync.Mutex
	now       func() time.Time
	token     string
	users     map[string]*User // by id
	upns      map[string]string
	managers  map[string]string
	groups    map[string]*Group
	members   map[string]map[string]bool // group id -> member ids (users or groups)
	roles     []roleAssignment
	roleNames map[string]string // role definition id -> display name
	policy    Policy
	// write limit (throttle.go)
	writeLimit  int
	writeWindow time.Duration
	writes      []time.Time // wall-clock times of the writes in the window
	throttled   int
	passes      map[string]*pass
	methods     map[string][]method
	creates     map[string]int
	deletes     map[string]int
	requests    []Recorded
	faults      []*fault
	// mailboxDenied answers mailboxSettings with 403, as Graph does for an
	// app without MailboxSettings.Read.
	mailboxDenied bool
	statePath     string // PersistTo
	saveErr       error
	signIns       []storedSignIn
	signInSeq     int

	srv *httptest.Server
}

// New returns an empty tenant with DefaultPolicy and the real clock.
func New() *Tenant {
	t := &Tenant{
		now:       time.Now,
		users:     map[string]*User{},
		upns:      map[string]string{},
		managers:  map[string]string{},
		groups:    map[string]*Group{},
		members:   map[string]map[string]bool{},
		roleNames: map[string]string{},
		policy:    DefaultPolicy(),
		passes:    map[string]*pass{},
		methods:   map[string][]method{},
		creates:   map[string]int{},
		deletes:   map[string]int{},
	}
	for name, id := range builtinRoles {
		t.roleNames[id] = name
	}
	return t
}

// Start serves the tenant on a loopback port. Call Close when done.
func (t *Tenant) Start() *Tenant {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv == nil {
		t.srv = httptest.NewServer(t.Handler())
	}
	return t
}

// StartOn serves the tenant on addr (e.g. "127.0.0.1:0"), for local mode.
func (t *Tenant) StartOn(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("simtenant listen %s: %w", addr, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv != nil {
		_ = l.Close()
		return fmt.Errorf("simtenant already started")
	}
	t.srv = httptest.NewUnstartedServer(t.Handler())
	_ = t.srv.Listener.Close()
	t.srv.Listener = l
	t.srv.Start()
	return nil
}

// URL is the Graph base URL, like http://127.0.0.1:port/v1.0. Empty
// before Start.
func (t *Tenant) URL() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv == nil {
		return ""
	}
	return t.srv.URL + "/v1.0"
}

// Close stops the server (if started) and closes client connections.
func (t *Tenant) Close() {
	t.mu.Lock()
	srv := t.srv
	t.srv = nil
	t.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// SetNow replaces the clock used for TAP validation and usability.
func (t *Tenant) SetNow(now func() time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now = now
}

// RequireToken makes the tenant accept only "Bearer token" (by default
// any non-empty bearer token is accepted).
func (t *Tenant) RequireToken(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token = token
}

// AddUser adds or replaces a user and returns its object id.
func (t *Tenant) AddUser(u User) string {
	if u.ID == "" {
		u.ID = StableID(u.UPN)
	}
	if u.UserType == "" {
		u.UserType = "Member"
		if u.External() {
			u.UserType = "Guest"
		}
	}
	if u.DisplayName == "" {
		u.DisplayName = u.UPN
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.users[u.ID]; ok {
		delete(t.upns, strings.ToLower(old.UPN))
	}
	uc := u
	t.users[u.ID] = &uc
	t.upns[strings.ToLower(u.UPN)] = u.ID
	return u.ID
}

// lookupLocked resolves an object id or UPN to a user id.
func (t *Tenant) lookupLocked(idOrUPN string) (string, bool) {
	if _, ok := t.users[idOrUPN]; ok {
		return idOrUPN, true
	}
	id, ok := t.upns[strings.ToLower(idOrUPN)]
	return id, ok
}

// Lookup resolves an object id or UPN to the user.
func (t *Tenant) Lookup(idOrUPN string) (User, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.lookupLocked(idOrUPN)
	if !ok {
		return User{}, false
	}
	return *t.users[id], true
}

// SetManager sets user's manager (both ids or UPNs); manager "" removes it.
func (t *Tenant) SetManager(user, manager string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(user)
	if !ok {
		return fmt.Errorf("set manager: no user %q", user)
	}
	if manager == "" {
		delete(t.managers, uid)
		return nil
	}
	mid, ok := t.lookupLocked(manager)
	if !ok {
		return fmt.Errorf("set manager: no user %q", manager)
	}
	t.managers[uid] = mid
	return nil
}

// AddGroup adds or replaces a group and returns its id.
func (t *Tenant) AddGroup(g Group) string {
	if g.ID == "" {
		g.ID = StableID("group:" + g.DisplayName)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	gc := g
	t.groups[g.ID] = &gc
	if t.members[g.ID] == nil {
		t.members[g.ID] = map[string]bool{}
	}
	return g.ID
}

// GroupID returns the id of the group named name (case-insensitive).
func (t *Tenant) GroupID(name string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.groupLocked(name)
}

func (t *Tenant) groupLocked(idOrName string) (string, bool) {
	if _, ok := t.groups[idOrName]; ok {
		return idOrName, true
	}
	for id, g := range t.groups {
		if strings.EqualFold(g.DisplayName, idOrName) {
			return id, true
		}
	}
	return "", false
}

// AddMember puts member (a user id/UPN, or a group id/name for nesting)
// into group (id or name).
func (t *Tenant) AddMember(group, member string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	gid, ok := t.groupLocked(group)
	if !ok {
		return fmt.Errorf("add member: no group %q", group)
	}
	mid, ok := t.lookupLocked(member)
	if !ok {
		if mid, ok = t.groupLocked(member); !ok {
			return fmt.Errorf("add member: no user or group %q", member)
		}
	}
	t.members[gid][mid] = true
	return nil
}

// RemoveMember takes member out of group.
func (t *Tenant) RemoveMember(group, member string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	gid, ok := t.groupLocked(group)
	if !ok {
		return fmt.Errorf("remove member: no group %q", group)
	}
	mid, ok := t.lookupLocked(member)
	if !ok {
		mid, _ = t.groupLocked(member)
	}
	delete(t.members[gid], mid)
	return nil
}

// transitiveGroupsLocked returns every group id principal is in,
// directly or through nested groups.
func (t *Tenant) transitiveGroupsLocked(principal string) map[string]bool {
	out := map[string]bool{}
	frontier := []string{principal}
	for len(frontier) > 0 {
		p := frontier[0]
		frontier = frontier[1:]
		for gid, ms := range t.members {
			if ms[p] && !out[gid] {
				out[gid] = true
				frontier = append(frontier, gid)
			}
		}
	}
	return out
}

// AssignRole gives principal (a user id/UPN, or a role-assignable group
// id/name) the named directory role, active or PIM-eligible. Unknown role
// names get a stable made-up definition id.
func (t *Tenant) AssignRole(principal, roleName string, eligible bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	pid, ok := t.lookupLocked(principal)
	if !ok {
		gid, gok := t.groupLocked(principal)
		if !gok {
			return fmt.Errorf("assign role: no user or group %q", principal)
		}
		t.groups[gid].RoleAssignable = true
		pid = gid
	}
	rid := roleDefinitionID(roleName)
	t.roleNames[rid] = roleName
	t.roles = append(t.roles, roleAssignment{id: newID(), principal: pid, roleID: rid, eligible: eligible})
	return nil
}

// SetPolicy replaces the TAP policy.
func (t *Tenant) SetPolicy(p Policy) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.Include = append([]string(nil), p.Include...)
	p.Exclude = append([]string(nil), p.Exclude...)
	t.policy = p
}

// Policy returns the current TAP policy.
func (t *Tenant) Policy() Policy {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.policy
}
