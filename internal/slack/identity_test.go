package slack

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
)

const (
	mallory     = "U0MALLORY" // an impostor carrying an approver's e-mail
	bobEntraID  = "22222222-2222-2222-2222-222222222222"
	impostorTag = "bob@contoso.com" // the approver's e-mail the impostor claims
)

// writeUserMap writes an admin map holding bob only and returns its path.
func writeUserMap(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(p, []byte(bob+": "+bobEntraID+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// identityOf delivers a click from user over signed HTTP and returns the
// chat.User the core receives, with the adapter's log.
func identityOf(t *testing.T, e *env, user string) (chat.User, string) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	e.a.log = slog.New(slog.NewJSONHandler(logs, nil))
	e.deliver(t, e.fake.BlockAction(user, approvers, "1700000000.000100", chat.ActionApprove, "req-1"), http.StatusOK)
	return e.rec.next(t).User, logs.String()
}

// TestAttack_SlackIdentityByMutableEmail: a Slack account carrying an
// approver's (or requester's) e-mail is that Entra user to tapbot only
// when Slack vouches for the address and the account is a full member of
// the organisation's workspace; map mode trusts the admin map alone. Each
// refused user gets one sentence, and the log says why.
func TestAttack_SlackIdentityByMutableEmail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		user   slackfake.User
		mode   Identity
		reason string
		text   string
	}{
		{"unconfirmed e-mail", slackfake.User{ID: mallory, Email: impostorTag, Unconfirmed: true},
			IdentityEmail, "email_unconfirmed", refuseUnconfirmed.text},
		{"stranger", slackfake.User{ID: mallory, Email: impostorTag, Stranger: true},
			IdentityEmail, "stranger", refuseStranger.text},
		{"restricted guest", slackfake.User{ID: mallory, Email: impostorTag, Guest: true},
			IdentityEmail, "guest", refuseRestricted.text},
		{"single-channel guest", slackfake.User{ID: mallory, Email: impostorTag, UltraGuest: true},
			IdentityEmail, "guest", refuseRestricted.text},
		{"other workspace", slackfake.User{ID: mallory, Email: impostorTag, TeamID: otherTeam},
			IdentityEmail, "other_workspace", refuseOtherTeam.text},
		{"deactivated", slackfake.User{ID: mallory, Email: impostorTag, Deleted: true},
			IdentityEmail, "deactivated", refuseDeleted.text},
		{"map mode, unmapped with a confirmed e-mail", slackfake.User{ID: mallory, Email: impostorTag},
			IdentityMap, "not_mapped", refuseUnmapped.text},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Identity, c.UserMapFile = tc.mode, writeUserMap(t) })
			tc.user.Name = "Bob Approver"
			e.fake.SetUser(tc.user)
			u, logs := identityOf(t, e, mallory)
			if u.Refusal != tc.text || !u.Guest || u.EntraID != "" || u.Email != "" {
				t.Fatalf("impostor accepted as %+v", u)
			}
			if got := refusalLogged(logs); got != tc.reason {
				t.Errorf("refusal logged with reason %q, want %q:\n%s", got, tc.reason, logs)
			}
			if strings.Contains(logs, impostorTag) {
				t.Errorf("the log holds the claimed e-mail:\n%s", logs)
			}
		})
	}
}

// refusalLogged returns the reason of the "slack user refused" line about
// mallory in JSON logs, or "".
func refusalLogged(logs string) string {
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var line struct {
			Msg       string `json:"msg"`
			Reason    string `json:"reason"`
			SlackUser string `json:"slack_user"`
		}
		if json.Unmarshal([]byte(l), &line) == nil && line.Msg == "slack user refused" && line.SlackUser == mallory {
			return line.Reason
		}
	}
	return ""
}

// TestSlackIdentityAccepted: confirmed members are accepted by e-mail, a
// mapped user by the map in either mode, and the Slack profile's name
// never reaches the core.
func TestSlackIdentityAccepted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mode  Identity
		user  string
		entra tap.UserID
		email string
	}{
		{"email mode, confirmed member", IdentityEmail, alice, "", "alice@contoso.com"},
		{"email mode, mapped user", IdentityEmail, bob, bobEntraID, ""},
		{"map mode, mapped user", IdentityMap, bob, bobEntraID, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Identity, c.UserMapFile = tc.mode, writeUserMap(t) })
			u, _ := identityOf(t, e, tc.user)
			if u.Refusal != "" || u.Guest || u.EntraID != tc.entra || u.Email != tc.email || u.Name != "" {
				t.Fatalf("user %+v, want entra %q e-mail %q and no name", u, tc.entra, tc.email)
			}
		})
	}
}

// TestSlackIdentityLookupFailureRefuses: when users.info fails nobody is
// vouched for, and the user is told to try again.
func TestSlackIdentityLookupFailureRefuses(t *testing.T) {
	e := newEnv(t)
	e.fake.FailNext("users.info", "fatal_error", 1)
	if u, _ := identityOf(t, e, alice); u.Refusal != refuseLookup.text || u.Email != "" {
		t.Fatalf("user after a failed lookup: %+v", u)
	}
}

func TestIdentityConfigValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Identity: "e-mail"}, `"e-mail" must be email or map`},
		{Config{Identity: IdentityMap}, "map needs user_map_file"},
	} {
		tc.cfg.BotToken, tc.cfg.SigningSecret = testBotToken, testSecret
		_, err := New(tc.cfg, nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want %q", tc.cfg.Identity, err, tc.want)
		}
	}
	if err := Identity("").Validate(); err != nil {
		t.Errorf("empty identity (the default) refused: %v", err)
	}
}
