package slack

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"gopkg.in/yaml.v3"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Identity is how a Slack user is bound to an Entra user: the
// slack.identity configuration value.
type Identity string

// The bindings. Either way the user must be an active, non-guest member of
// an allowed workspace; a Slack profile's e-mail is editable by the user
// (and by workspace admins), so only a confirmed one is ever trusted.
const (
	// IdentityEmail (the default) takes the admin map's entry, or else the
	// e-mail users.info reports as confirmed, looked up in Entra.
	IdentityEmail Identity = "email"
	// IdentityMap takes only the admin map: an unmapped user is refused.
	IdentityMap Identity = "map"
)

// Validate reports whether m is a known binding; empty means IdentityEmail.
func (m Identity) Validate() error {
	switch m {
	case "", IdentityEmail, IdentityMap:
		return nil
	}
	return fmt.Errorf("%q must be %s or %s", string(m), IdentityEmail, IdentityMap)
}

// refusal is why a Slack user is nobody tapbot may act for: a reason for
// the log and one sentence for that user, which says nothing about anyone
// else.
type refusal struct{ reason, text string }

var (
	refuseLookup      = refusal{"lookup_failed", text.SlackLookupFailed}
	refuseDeleted     = refusal{"deactivated", text.SlackDeactivated}
	refuseStranger    = refusal{"stranger", text.SlackStranger}
	refuseOtherTeam   = refusal{"other_workspace", text.SlackStranger}
	refuseRestricted  = refusal{"guest", text.GuestActor}
	refuseUnconfirmed = refusal{"email_unconfirmed", text.SlackUnconfirmed}
	refuseUnmapped    = refusal{"not_mapped", text.SlackUnmapped}
)

// profile is what tapbot keeps of a users.info answer. The profile's
// names are not kept: people are named from Entra.
type profile struct {
	email      string
	confirmed  bool // is_email_confirmed
	team       string
	enterprise string
	stranger   bool // is_stranger: another organisation's user
	restricted bool // is_restricted || is_ultra_restricted
	bot        bool
	deleted    bool
	zone       string // tz, when it names an IANA zone this host knows
	expires    time.Time
}

// identity resolves Slack users (users.info, cached) and decides which
// workspaces are the organisation's own.
type identity struct {
	api   *slack.Client
	mode  Identity
	ttl   time.Duration
	now   func() time.Time
	entra map[string]tap.UserID // admin map: Slack user id → Entra object id
	slack map[tap.UserID]string // the reverse

	mu      sync.Mutex
	cache   map[string]profile
	allowed map[string]bool // team and enterprise ids; nil until known
	botUser string
}

// profile returns the user's cached or fresh users.info profile.
func (d *identity) profile(ctx context.Context, id string) (profile, error) {
	d.mu.Lock()
	p, ok := d.cache[id]
	d.mu.Unlock()
	if ok && d.now().Before(p.expires) {
		return p, nil
	}
	u, err := d.api.GetUserInfoContext(ctx, id)
	if err != nil {
		return profile{}, fmt.Errorf("users.info %s: %w", id, err)
	}
	p = profile{
		email:      u.Profile.Email,
		confirmed:  u.IsEmailConfirmed,
		team:       u.TeamID,
		enterprise: u.Enterprise.EnterpriseID,
		stranger:   u.IsStranger,
		restricted: u.IsRestricted || u.IsUltraRestricted,
		bot:        u.IsBot || u.ID == "USLACKBOT",
		deleted:    u.Deleted,
		zone:       knownZone(u.TZ),
		expires:    d.now().Add(d.ttl),
	}
	d.mu.Lock()
	if len(d.cache) > 50000 {
		clear(d.cache)
	}
	d.cache[id] = p
	d.mu.Unlock()
	return p, nil
}

// knownZone returns tz when it is an IANA zone name this host can load,
// else "" (the core then falls back to the directory and the default).
func knownZone(tz string) string {
	if tz == "" {
		return ""
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return ""
	}
	return tz
}

// allowedSet returns the workspace/enterprise allowlist, reading the bot
// token's own team from auth.test when none was configured. It fails
// closed: an error means nothing is allowed.
func (d *identity) allowedSet(ctx context.Context) (map[string]bool, error) {
	d.mu.Lock()
	set := d.allowed
	d.mu.Unlock()
	if set != nil {
		return set, nil
	}
	res, err := d.api.AuthTestContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth.test: %w", err)
	}
	set = map[string]bool{res.TeamID: true}
	if res.EnterpriseID != "" {
		set[res.EnterpriseID] = true
	}
	d.mu.Lock()
	d.allowed, d.botUser = set, res.UserID
	d.mu.Unlock()
	return set, nil
}

// teamAllowed reports whether a delivery from team (or enterprise) is the
// organisation's own. An error (auth.test failed) means "not known": the
// caller must not act.
func (d *identity) teamAllowed(ctx context.Context, team, enterprise string) (bool, error) {
	set, err := d.allowedSet(ctx)
	if err != nil {
		return false, err
	}
	return (team != "" && set[team]) || (enterprise != "" && set[enterprise]), nil
}

// bind decides who a Slack user is in Entra: the admin map's object id,
// or (IdentityEmail, unmapped) the confirmed e-mail for the core to look
// up. A refusal means tapbot may act for nobody through this account.
func (d *identity) bind(ctx context.Context, id string, p profile) (tap.UserID, string, *refusal) {
	switch {
	case p.deleted:
		return "", "", &refuseDeleted
	case p.stranger:
		return "", "", &refuseStranger
	}
	own, err := d.teamAllowed(ctx, p.team, p.enterprise)
	switch {
	case err != nil:
		return "", "", &refuseLookup
	case !own:
		return "", "", &refuseOtherTeam
	case p.restricted:
		return "", "", &refuseRestricted
	}
	if e, ok := d.entra[id]; ok {
		return e, "", nil
	}
	switch {
	case d.mode == IdentityMap:
		return "", "", &refuseUnmapped
	case !p.confirmed:
		return "", "", &refuseUnconfirmed
	}
	return "", p.email, nil
}

// isBotUser reports whether id is this app's own bot user.
func (d *identity) isBotUser(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.botUser != "" && id == d.botUser
}

// loadUserMap reads the admin-kept map of Slack user id → Entra object id:
// a YAML mapping ("U0123ABC: 8c7e…") or a CSV file with two columns
// (slack_user_id,entra_object_id; a header row is allowed).
func loadUserMap(path string) (map[string]tap.UserID, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open user map: %w", err)
	}
	defer f.Close()
	raw := map[string]string{}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		r := csv.NewReader(f)
		r.FieldsPerRecord = 2
		r.TrimLeadingSpace = true
		for line := 1; ; line++ {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read user map %s: %w", path, err)
			}
			if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "slack_user_id") {
				continue
			}
			id := strings.TrimSpace(rec[0])
			if _, dup := raw[id]; dup {
				return nil, fmt.Errorf("user map %s line %d: duplicate slack user %q: %w", path, line, id, tap.ErrInvalidInput)
			}
			raw[id] = strings.TrimSpace(rec[1])
		}
	default:
		if err := yaml.NewDecoder(f).Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read user map %s: %w", path, err)
		}
	}
	out := make(map[string]tap.UserID, len(raw))
	seen := map[string]string{}
	for s, e := range raw {
		if s == "" || e == "" {
			return nil, fmt.Errorf("user map %s: empty id in %q: %q: %w", path, s, e, tap.ErrInvalidInput)
		}
		if prev, dup := seen[e]; dup {
			return nil, fmt.Errorf("user map %s: entra id %s mapped from %s and %s: %w", path, e, prev, s, tap.ErrInvalidInput)
		}
		seen[e] = s
		out[s] = tap.UserID(e)
	}
	return out, nil
}
