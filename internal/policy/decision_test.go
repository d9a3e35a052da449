package policy

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
)

type decisionCase struct {
	name    string
	target  string
	reason  tap.Reason
	setup   func(e *env, r *tap.Request)
	actor   string // short name of the clicker
	edit    func(e *env, a *tap.Actor)
	cfg     func(c *Config)
	wantErr error
}

var decisionCases = []decisionCase{
	{name: "approver in the approver group", target: "sarah", actor: "ann"},
	{name: "second approver in the same group", target: "sarah", actor: "bob"},
	{name: "recovery approver for a recovery request", target: "sarah", reason: tap.ReasonRecovery, actor: "rita"},
	{name: "second distinct approver on a two-approver request", target: "vic", actor: "bob",
		setup: func(e *env, r *tap.Request) { r.Approvals = []tap.Decision{{Approver: e.actor("ann")}} }},

	{name: "clicker not in any approver group", target: "sarah", actor: "sam", wantErr: tap.ErrForbidden},
	{name: "general approver on a reason with its own approver group", target: "sarah", reason: tap.ReasonRecovery,
		actor: "ann", wantErr: tap.ErrForbidden},
	{name: "requester approves own request", target: "sarah", actor: "ann", wantErr: tap.ErrSelfApproval,
		setup: func(e *env, r *tap.Request) { r.Requester = e.actor("ann") }},
	{name: "approver is the target", target: "ann", actor: "ann", wantErr: tap.ErrSelfApproval,
		cfg: func(c *Config) { c.ApproverTargets = ApproverTargetsTwoApprovers }},
	{name: "same approver twice on a two-approver request", target: "vic", actor: "ann", wantErr: tap.ErrSelfApproval,
		setup: func(e *env, r *tap.Request) { r.Approvals = []tap.Decision{{Approver: e.actor("ann")}} }},
	{name: "clicker with no directory id", target: "sarah", actor: "ann", wantErr: tap.ErrForbidden,
		edit: func(_ *env, a *tap.Actor) { a.EntraID = "" }},
	{name: "clicker unknown to the directory", target: "sarah", actor: "ann", wantErr: tap.ErrForbidden,
		edit: func(_ *env, a *tap.Actor) { a.EntraID = "00000000-0000-0000-0000-000000000000" }},
	{name: "approver whose account was disabled", target: "sarah", actor: "bob", wantErr: tap.ErrForbidden,
		setup: func(e *env, _ *tap.Request) {
			u, _ := e.tenant.Lookup(string(e.ids["bob"]))
			u.Disabled = true
			e.tenant.AddUser(u)
		}},
	{name: "external guest in the approver group", target: "sarah", actor: "lee", wantErr: tap.ErrGuest,
		setup: func(e *env, _ *tap.Request) {
			e.must(e.tenant.AddMember(e.groups["TAP Approvers"], string(e.ids["lee"])))
		}},
	{name: "chat name matches but directory id differs", target: "sarah", actor: "sam", wantErr: tap.ErrForbidden,
		edit: func(_ *env, a *tap.Actor) { a.Name = "Ann Approver"; a.Email = "ann@contoso.com"; a.ChatID = "U-ann" }},
}

// submitted runs CheckSubmit for Mia's request for target, as the
// approvals service would before posting approval cards.
func submitted(t *testing.T, e *env, c *Checker, target string, reason tap.Reason) *tap.Request {
	t.Helper()
	r := e.draft(target)
	if reason != "" {
		r.Reason = reason
	}
	if _, err := c.CheckSubmit(context.Background(), r); err != nil {
		t.Fatalf("submit for %s: %v", target, err)
	}
	return r
}

func runDecision(t *testing.T, c decisionCase) error {
	t.Helper()
	e := newEnv(t)
	if c.cfg != nil {
		c.cfg(&e.cfg)
	}
	ch := e.checker()
	r := submitted(t, e, ch, c.target, c.reason)
	if c.setup != nil {
		c.setup(e, r)
	}
	a := e.actor(c.actor)
	if c.edit != nil {
		c.edit(e, &a)
	}
	return ch.CheckDecision(context.Background(), r, a)
}

func TestCheckDecision(t *testing.T) {
	for _, c := range decisionCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := runDecision(t, c)
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ref *tap.Refusal
			if !errors.As(err, &ref) || !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v (%T), want a *tap.Refusal wrapping %v", err, err, c.wantErr)
			}
		})
	}
}

// TestClickTimeRecheck: an approver removed from the group after submit
// is refused at click time; membership is asked of Graph at every click.
func TestClickTimeRecheck(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	ctx := context.Background()
	r := submitted(t, e, c, "sarah", "")
	ann := e.actor("ann")

	if err := c.CheckDecision(ctx, r, ann); err != nil {
		t.Fatalf("first click: %v", err)
	}
	e.must(e.tenant.RemoveMember(e.groups["TAP Approvers"], string(e.ids["ann"])))
	err := c.CheckDecision(ctx, r, ann)
	if !errors.Is(err, tap.ErrForbidden) {
		t.Fatalf("after removal: err = %v, want ErrForbidden", err)
	}
	if ok, err := c.IsApprover(ctx, ann); ok || err != nil {
		t.Fatalf("IsApprover after removal = %v, %v", ok, err)
	}
	calls := e.countCalls(http.MethodPost, "/users/"+string(e.ids["ann"])+"/checkMemberGroups")
	if calls != 3 {
		t.Fatalf("checkMemberGroups for the approver called %d times, want 3 (no caching)", calls)
	}
	// Put back, and it works again at once.
	e.must(e.tenant.AddMember(e.groups["TAP Approvers"], string(e.ids["ann"])))
	if err := c.CheckDecision(ctx, r, ann); err != nil {
		t.Fatalf("after re-adding: %v", err)
	}
}

// TestTwoApproverFlow walks a recovery request through two distinct
// recovery approvers, the way the approvals service records decisions.
func TestTwoApproverFlow(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	ctx := context.Background()
	r := submitted(t, e, c, "sarah", tap.ReasonRecovery)
	if r.ApprovalsNeeded != 2 {
		t.Fatalf("ApprovalsNeeded = %d, want 2", r.ApprovalsNeeded)
	}
	approve := func(who string) error {
		a := e.actor(who)
		if err := c.CheckDecision(ctx, r, a); err != nil {
			return err
		}
		r.Approvals = append(r.Approvals, tap.Decision{Approver: a, At: e.clock()})
		return nil
	}
	if err := approve("rita"); err != nil {
		t.Fatalf("first approver: %v", err)
	}
	if err := approve("rita"); !errors.Is(err, tap.ErrSelfApproval) {
		t.Fatalf("same approver again: err = %v, want ErrSelfApproval", err)
	}
	if err := approve("ann"); !errors.Is(err, tap.ErrForbidden) {
		t.Fatalf("general approver on recovery: err = %v, want ErrForbidden", err)
	}
	if err := approve("rob"); err != nil {
		t.Fatalf("second approver: %v", err)
	}
	if len(r.Approvals) != r.ApprovalsNeeded {
		t.Fatalf("approvals %d, want %d", len(r.Approvals), r.ApprovalsNeeded)
	}
}

func TestIsApprover(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	for who, want := range map[string]bool{"ann": true, "bob": true, "rita": true, "rob": true, "sam": false, "mia": false} {
		got, err := c.IsApprover(context.Background(), e.actor(who))
		if err != nil || got != want {
			t.Errorf("IsApprover(%s) = %v, %v; want %v", who, got, err, want)
		}
	}
	if got, err := c.IsApprover(context.Background(), tap.Actor{ChatID: "U-x"}); got || err != nil {
		t.Errorf("IsApprover(no entra id) = %v, %v", got, err)
	}
}

// TestRefusalsGolden pins every refusal sentence. Regenerate with
// go test ./internal/policy -run TestRefusalsGolden -update.
func TestRefusalsGolden(t *testing.T) {
	var g golden
	var order []string
	for _, c := range submitCases {
		if c.wantErr == nil {
			continue
		}
		_, _, _, err := runSubmit(t, c)
		key := "submit: " + c.name
		order = append(order, key)
		g.add(key, sentence(t, key, err))
	}
	for _, c := range decisionCases {
		if c.wantErr == nil {
			continue
		}
		key := "decide: " + c.name
		order = append(order, key)
		g.add(key, sentence(t, key, runDecision(t, c)))
	}
	g.check(t, "refusals.golden", order)

	// Every sentence is distinct enough to tell the cases apart, and none
	// leaks an internal error or an object id.
	seen := map[string]string{}
	for _, k := range order {
		msg := g.lines[k]
		// a command to type (`status sarah`) is advice, not a leaked status
		bare := regexp.MustCompile("`[^`]*`").ReplaceAllString(msg, "")
		if strings.Contains(bare, "status") || strings.Contains(bare, "/users/") {
			t.Errorf("%s: internal detail in %q", k, msg)
		}
		if other, dup := seen[msg]; dup && !slices.Contains(sameSentence, k) {
			t.Errorf("%s and %s share the sentence %q", k, other, msg)
		}
		seen[msg] = k
	}
}

// sameSentence lists cases that legitimately say the same thing.
var sameSentence = []string{
	"submit: requester unknown to the directory",
	// Someone who may not ask for a target learns nothing about it: no
	// manager set and "not your report" read the same.
	"submit: target has no manager and requester is in no group",
	"decide: clicker unknown to the directory",
	"decide: chat name matches but directory id differs",
	// A guest may neither request nor decide: one sentence for both, the
	// router's (text.GuestActor).
	"decide: external guest in the approver group",
}

func sentence(t *testing.T, key string, err error) string {
	t.Helper()
	var ref *tap.Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("%s: err = %v, want a *tap.Refusal", key, err)
	}
	return ref.Msg
}

// TestCheckRevoke: revoking someone else's request needs an approver for
// that request's reason, read at the click.
func TestCheckRevoke(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	ctx := context.Background()
	for _, tc := range []struct {
		who    string
		reason tap.Reason
		ok     bool
	}{
		{"ann", tap.ReasonOnboarding, true},
		{"rita", tap.ReasonRecovery, true},
		{"ann", tap.ReasonRecovery, false}, // recovery has its own approver group
		{"sam", tap.ReasonOnboarding, false},
	} {
		r := &tap.Request{Reason: tc.reason, Requester: e.actor("mia")}
		err := c.CheckRevoke(ctx, r, e.actor(tc.who))
		var ref *tap.Refusal
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s revoking a %s pass refused: %v", tc.who, tc.reason, err)
		case !tc.ok && (!errors.As(err, &ref) || !errors.Is(err, tap.ErrForbidden)):
			t.Errorf("%s revoking a %s pass: %v, want a refusal", tc.who, tc.reason, err)
		}
	}
	if err := c.CheckRevoke(ctx, &tap.Request{}, tap.Actor{ChatID: "U-x"}); err == nil {
		t.Error("an unidentified clicker may revoke")
	}
}
