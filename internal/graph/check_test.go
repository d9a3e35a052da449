package graph_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/check"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
)

// checkTenant is a demo tenant whose token carries roles.
func checkTenant(t *testing.T, roles ...string) (*simtenant.Tenant, *graph.Client) {
	t.Helper()
	tn := simtenant.New()
	simtenant.Demo(tn)
	tok := simtenant.AppToken("app-1", "tenant-1", roles...)
	tn.RequireToken(tok)
	tn.Start()
	t.Cleanup(tn.Close)
	c, err := graph.New(graph.Config{BaseURL: tn.URL(), Credential: graph.StaticCredential(tok), Timeout: 10 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c
}

var goodExpect = graph.Expect{
	Lifetimes: map[string]time.Duration{"policy.reasons.onboarding.lifetime": 8 * time.Hour, "policy.reasons.recovery.lifetime": 2 * time.Hour},
	Caps:      map[string]time.Duration{"policy.max_lifetime": 8 * time.Hour},
	Groups:    map[string]string{simtenant.DemoApproversGroupID: "approver group"},
}

// line finds the result named name, failing the test if there is none.
func line(t *testing.T, rs []check.Result, name string) check.Result {
	t.Helper()
	r, ok := check.Find(rs, name)
	if !ok {
		t.Fatalf("no %q line in %+v", name, rs)
	}
	return r
}

func TestCheckAllGood(t *testing.T) {
	_, c := checkTenant(t, graph.AllPermissionNames()...)
	rs := c.Check(context.Background(), goodExpect)
	for _, r := range rs {
		if r.Status != check.OK {
			t.Errorf("%s: %s %s (fix: %s)", r.Name, r.Status, r.Detail, r.Fix)
		}
	}
	if tok := line(t, rs, "token"); !strings.Contains(tok.Detail, "app app-1, tenant tenant-1") {
		t.Errorf("token line: %q", tok.Detail)
	}
	if g := line(t, rs, "approver group "+simtenant.DemoApproversGroupID); !strings.Contains(g.Detail, `"TAP Approvers" has members`) {
		t.Errorf("group line: %q", g.Detail)
	}
}

func TestCheckTokenWithoutARole(t *testing.T) {
	roles := append([]string{"Directory.ReadWrite.All"}, graph.PermissionNames()[1:]...) // no TAP write, one excess
	_, c := checkTenant(t, roles...)
	rs := c.Check(context.Background(), goodExpect)
	p := line(t, rs, "permissions")
	if p.Status != check.Fail || !strings.Contains(p.Detail, "UserAuthMethod-TAP.ReadWrite.All") || !strings.Contains(p.Fix, "Grant admin consent") {
		t.Errorf("permissions: %+v", p)
	}
	if lp := line(t, rs, "least privilege"); lp.Status != check.Warn || !strings.Contains(lp.Detail, "Directory.ReadWrite.All") {
		t.Errorf("least privilege: %+v", lp)
	}
}

func TestCheckPolicyOff(t *testing.T) {
	tn, c := checkTenant(t, graph.PermissionNames()...)
	p := simtenant.DefaultPolicy()
	p.Enabled = false
	tn.SetPolicy(p)
	rs := c.Check(context.Background(), goodExpect)
	if l := line(t, rs, "TAP policy"); l.Status != check.Fail || !strings.Contains(l.Detail, "disabled") || !strings.Contains(l.Fix, "Enable") {
		t.Errorf("policy: %+v", l)
	}
}

func TestCheckLifetimesGraphWouldRefuse(t *testing.T) {
	tn, c := checkTenant(t, graph.PermissionNames()...)
	p := simtenant.DefaultPolicy()
	p.IsUsableOnce = true
	p.Include = []string{simtenant.DemoApproversGroupID}
	tn.SetPolicy(p)
	want := goodExpect
	want.Lifetimes = map[string]time.Duration{"policy.reasons.onboarding.lifetime": 48 * time.Hour, "policy.reasons.demo.lifetime": 30 * time.Minute}
	want.MultiUse = []string{"reasons.onboarding"}
	want.Caps = map[string]time.Duration{"policy.reasons.contractor.max_lifetime": 48 * time.Hour, "policy.reasons.recovery.max_lifetime": 2 * time.Hour}
	rs := c.Check(context.Background(), want)
	if l := line(t, rs, "lifetimes"); l.Status != check.Fail ||
		!strings.Contains(l.Detail, "outside 1h–8h: policy.reasons.demo.lifetime 30m, policy.reasons.onboarding.lifetime 48h") {
		t.Errorf("lifetimes: %+v", l)
	}
	if l := line(t, rs, "caps"); l.Status != check.Warn || l.Detail != "above the tenant's maximum 8h, so a request for more is refused: policy.reasons.contractor.max_lifetime 48h" {
		t.Errorf("caps: %+v", l)
	}
	if l := line(t, rs, "one-time"); l.Status != check.Fail || !strings.Contains(l.Detail, "reasons.onboarding") {
		t.Errorf("one-time: %+v", l)
	}
	if l := line(t, rs, "TAP policy"); !strings.Contains(l.Detail, "only for members of 1 group(s)") {
		t.Errorf("scope: %+v", l)
	}
}

func TestCheckGroups(t *testing.T) {
	_, c := checkTenant(t, graph.PermissionNames()...)
	want := goodExpect
	want.Groups = map[string]string{simtenant.DemoRequestersGroupID: "requester group", "00000000-0000-4000-8000-00000000dead": "approver group"}
	rs := c.Check(context.Background(), want)
	if l := line(t, rs, "requester group "+simtenant.DemoRequestersGroupID); l.Status != check.Fail || !strings.Contains(l.Detail, "no members") {
		t.Errorf("empty group: %+v", l)
	}
	if l := line(t, rs, "approver group 00000000-0000-4000-8000-00000000dead"); l.Status != check.Fail || !strings.Contains(l.Detail, "no such group") {
		t.Errorf("missing group: %+v", l)
	}
}

type refusedCredential struct{}

func (refusedCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("AADSTS7000215: Invalid client secret provided.\nTrace ID: x")
}

func TestCheckNoToken(t *testing.T) {
	tn, _ := checkTenant(t)
	c, err := graph.New(graph.Config{BaseURL: tn.URL(), Credential: refusedCredential{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := c.Check(context.Background(), goodExpect)
	if len(rs) != 1 || rs[0].Status != check.Fail || rs[0].Detail != "no token with the credential: AADSTS7000215: Invalid client secret provided." {
		t.Errorf("token: %+v", rs)
	}
}

// README's permission table is the list check compares the token with.
func TestReadmeListsThePermissions(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range graph.Permissions {
		if !strings.Contains(string(b), "| `"+p.Name+"` |") {
			t.Errorf("README's Graph permission table lacks %s", p.Name)
		}
	}
	for _, p := range graph.OptionalPermissions {
		if !strings.Contains(string(b), "| `"+p.Name+"` (optional") {
			t.Errorf("README's Graph permission table lacks %s", p.Name)
		}
	}
}

// Without the optional mailbox permission the check says what is lost
// and still passes.
func TestCheckOptionalPermission(t *testing.T) {
	_, c := checkTenant(t, graph.PermissionNames()...)
	rs := c.Check(context.Background(), goodExpect)
	if l := line(t, rs, "optional MailboxSettings.Read"); l.Status != check.Warn {
		t.Errorf("optional: %+v", l)
	}
	if l := line(t, rs, "permissions"); l.Status != check.OK {
		t.Errorf("permissions: %+v", l)
	}
}
