package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/zone"
)

// The client is the zone resolver's mailbox.
var _ zone.Mailbox = (*graph.Client)(nil)

func TestMailboxZone(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.tn.AddUser(simtenant.User{UPN: "nomail@contoso.test", NoMailbox: true})
	for _, tc := range []struct {
		who     string
		want    string
		wantErr error
	}{
		{simtenant.DemoSarahID, "Eastern Standard Time", nil},
		{simtenant.DemoDiegoID, "W. Europe Standard Time", nil},
		{simtenant.DemoGradyID, "Asia/Kolkata", nil},
		{simtenant.DemoMeganID, "", nil},
		{"nomail@contoso.test", "", tap.ErrUserNotFound},
		{"00000000-0000-0000-0000-000000000000", "", tap.ErrUserNotFound},
	} {
		got, err := f.c.MailboxZone(ctx, tap.UserID(tc.who))
		if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
			t.Errorf("MailboxZone(%s) = %q, %v; want %q, %v", tc.who, got, err, tc.want, tc.wantErr)
		}
	}
	if got := zone.Normalize(mustZone(t, f, simtenant.DemoSarahID)); got != "America/New_York" {
		t.Errorf("Sarah's zone normalised to %q", got)
	}
}

func TestMailboxZoneDenied(t *testing.T) {
	f := setup(t)
	f.tn.DenyMailbox(true)
	_, err := f.c.MailboxZone(context.Background(), simtenant.DemoSarahID)
	if !errors.Is(err, tap.ErrPermission) {
		t.Fatalf("err = %v, want ErrPermission", err)
	}
	var ref *tap.Refusal
	if !errors.As(err, &ref) || !strings.Contains(ref.Error(), "MailboxSettings.Read") {
		t.Errorf("refusal does not name the permission: %v", err)
	}
}

func mustZone(t *testing.T, f *fixture, id string) string {
	t.Helper()
	z, err := f.c.MailboxZone(context.Background(), tap.UserID(id))
	if err != nil {
		t.Fatal(err)
	}
	return z
}
