package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestPassLifecycle(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	start := f.now.Add(3 * time.Hour).In(time.FixedZone("PST", -8*3600))
	p, err := f.c.CreatePass(ctx, simtenant.DemoSarahID, tap.PassSpec{Start: start, Lifetime: 8 * time.Hour, OneTime: false})
	if err != nil {
		t.Fatal(err)
	}
	held := f.tn.Passes(simtenant.DemoSarahID)
	if len(held) != 1 || p.Value.Reveal() != held[0].Value || p.MethodID != held[0].ID {
		t.Fatalf("created %+v, tenant holds %+v", p, held)
	}
	if !p.Start.Equal(start) || p.Lifetime != 8*time.Hour || p.OneTime || p.Usable || p.UsabilityReason != "NotYetValid" {
		t.Errorf("pass %+v", p)
	}
	if !p.Expires().Equal(start.Add(8 * time.Hour)) {
		t.Errorf("expires %v", p.Expires())
	}
	// The wire body: UTC start with "Z", whole minutes, explicit isUsableOnce, no gzip.
	var body map[string]any
	reqs := f.tn.Requests()
	last := reqs[len(reqs)-1]
	if err := json.Unmarshal(last.Body, &body); err != nil {
		t.Fatalf("create body %q: %v", last.Body, err)
	}
	if body["startDateTime"] != start.UTC().Format(time.RFC3339) || body["lifetimeInMinutes"] != 480.0 || body["isUsableOnce"] != false {
		t.Errorf("create body %v", body)
	}

	// Zero start: omitted; a start a minute ago means now and is omitted too.
	for _, s := range []time.Time{{}, f.now.Add(-time.Minute)} {
		p2, err := f.c.CreatePass(ctx, simtenant.DemoSarahID, tap.PassSpec{Start: s, Lifetime: 90 * time.Minute, OneTime: true})
		if err != nil {
			t.Fatal(err)
		}
		reqs = f.tn.Requests()
		if strings.Contains(string(reqs[len(reqs)-1].Body), "startDateTime") || !p2.Usable || !p2.OneTime {
			t.Errorf("start %v: body %s pass %+v", s, reqs[len(reqs)-1].Body, p2)
		}
		p = p2
	}
	list, err := f.c.ListPasses(ctx, simtenant.DemoSarahID)
	if err != nil || len(list) != 1 || list[0].MethodID != p.MethodID || !list[0].Value.IsZero() {
		t.Fatalf("ListPasses = %+v, %v (want only the newest, without value)", list, err)
	}
	if err := f.c.DeletePass(ctx, simtenant.DemoSarahID, p.MethodID); err != nil {
		t.Fatal(err)
	}
	if err := f.c.DeletePass(ctx, simtenant.DemoSarahID, p.MethodID); !errors.Is(err, tap.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if list, err := f.c.ListPasses(ctx, simtenant.DemoSarahID); err != nil || len(list) != 0 {
		t.Errorf("after delete: %v %v", list, err)
	}
	if f.tn.Creates(simtenant.DemoSarahID) != 3 || f.tn.Deletes(simtenant.DemoSarahID) != 1 {
		t.Errorf("creates %d deletes %d", f.tn.Creates(simtenant.DemoSarahID), f.tn.Deletes(simtenant.DemoSarahID))
	}
	assertNoGzip(t, f.tn)
	assertNoSecret(t, "logs", f.logs.String(), held[0].Value, p.Value.Reveal())
	assertNoSecret(t, "formatted pass", fmt.Sprintf("%v %+v %#v %s", p, p, p, p.Value), p.Value.Reveal())
}

func TestCreateRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(f *fixture)
		user    string
		spec    tap.PassSpec
		want    error
		msgHas  string
		refusal bool
	}{
		{name: "lifetime below policy", spec: tap.PassSpec{Lifetime: 30 * time.Minute}, want: tap.ErrLifetimeRange,
			msgHas: "between 1 hour and 8 hours", refusal: true},
		{name: "lifetime above custom policy", spec: tap.PassSpec{Lifetime: 49 * time.Hour}, want: tap.ErrLifetimeRange,
			setup: func(f *fixture) {
				p := simtenant.DefaultPolicy()
				p.MinLifetimeMinutes, p.MaxLifetimeMinutes = 90, 2880
				f.tn.SetPolicy(p)
			}, msgHas: "between 90 minutes and 48 hours", refusal: true},
		{name: "start in the past", spec: tap.PassSpec{Start: time.Now().Add(-time.Hour), Lifetime: time.Hour},
			want: tap.ErrStartInPast, msgHas: "cannot start in the past", refusal: true},
		{name: "external guest", user: simtenant.DemoLeeID, spec: tap.PassSpec{Lifetime: time.Hour}, want: tap.ErrGuest,
			msgHas: "External guests", refusal: true},
		{name: "method disabled", spec: tap.PassSpec{Lifetime: time.Hour}, want: tap.ErrMethodDisabled, refusal: true,
			setup: func(f *fixture) {
				p := simtenant.DefaultPolicy()
				p.Enabled = false
				f.tn.SetPolicy(p)
			}, msgHas: "turned off"},
		{name: "user excluded", spec: tap.PassSpec{Lifetime: time.Hour}, want: tap.ErrMethodDisabled, refusal: true,
			setup: func(f *fixture) {
				p := simtenant.DefaultPolicy()
				p.Exclude = []string{simtenant.DemoSarahID}
				f.tn.SetPolicy(p)
			}},
		{name: "multi-use refused", spec: tap.PassSpec{Lifetime: time.Hour}, want: tap.ErrPolicy, refusal: true,
			setup: func(f *fixture) {
				p := simtenant.DefaultPolicy()
				p.IsUsableOnce = true
				f.tn.SetPolicy(p)
			}},
		{name: "unknown user", user: "ghost@contoso.com", spec: tap.PassSpec{Lifetime: time.Hour}, want: tap.ErrUserNotFound, refusal: true},
		{name: "missing permission", spec: tap.PassSpec{Lifetime: time.Hour}, want: tap.ErrPermission, refusal: true,
			setup: func(f *fixture) {
				f.tn.Inject("POST", "/users/*/authentication/temporaryAccessPassMethods", 1,
					simtenant.Fault{Status: http.StatusForbidden, Code: "accessDenied", Message: "Request Authorization failed"})
			}, msgHas: "UserAuthMethod-TAP.ReadWrite.All"},
		{name: "negative lifetime", spec: tap.PassSpec{Lifetime: -time.Minute}, want: tap.ErrInvalidInput, refusal: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			if tc.setup != nil {
				tc.setup(f)
			}
			user := tc.user
			if user == "" {
				user = simtenant.DemoSarahID
			}
			_, err := f.c.CreatePass(context.Background(), tap.UserID(user), tc.spec)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			var r *tap.Refusal
			if tc.refusal != errors.As(err, &r) {
				t.Fatalf("refusal = %v, want %v (%v)", r != nil, tc.refusal, err)
			}
			if r != nil && !strings.Contains(r.Msg, tc.msgHas) {
				t.Errorf("refusal %q lacks %q", r.Msg, tc.msgHas)
			}
			if f.tn.TotalCreates() != 0 {
				t.Errorf("a pass was created")
			}
		})
	}
}
