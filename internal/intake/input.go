package intake

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Input is the body of POST /api/v1/requests.
type Input struct {
	// Target is the new hire: user principal name or Entra object id.
	Target string `json:"target"`
	// Start is when the pass starts (RFC 3339 with an offset); or HireDate
	// (YYYY-MM-DD) with TimeZone, and the pass starts at start_of_day there.
	Start    string `json:"start,omitempty"`
	HireDate string `json:"hire_date,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
	// LifetimeMinutes is the pass's lifetime; 0 takes the policy default.
	LifetimeMinutes int    `json:"lifetime_minutes,omitempty"`
	Reason          string `json:"reason,omitempty"`
	OneTime         bool   `json:"one_time,omitempty"`
	// Requester is the hiring manager (UPN or object id), or "manager" for
	// the target's manager in Entra.
	Requester   string `json:"requester"`
	ExternalRef string `json:"external_ref,omitempty"`
	Notes       string `json:"notes,omitempty"`
}

// RequesterManager is the Requester value meaning the target's manager.
const RequesterManager = "manager"

// Field limits.
const (
	maxIDLen    = 256
	maxRefLen   = 128
	maxNotesLen = 1000
	minLifetime = 10
	maxLifetime = 43200
)

// errMalformed classifies a body that is not JSON of the API's shape
// (400, where a well-formed but unacceptable request is 422).
var errMalformed = fmt.Errorf("%w: malformed body", tap.ErrInvalidInput)

// invalid is a refusal of the caller's input.
func invalid(format string, args ...any) error {
	return tap.Refuse(tap.ErrInvalidInput, fmt.Sprintf(format, args...))
}

// decodeInput reads body strictly: unknown fields, trailing data and
// wrong types are refused with the field named.
func decodeInput(body []byte) (Input, error) {
	var in Input
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, tap.Refuse(errMalformed, fmt.Sprintf(text.APIBadJSON, jsonProblem(err)))
	}
	if dec.More() {
		return in, tap.Refuse(errMalformed, fmt.Sprintf(text.APIBadJSON, "more than one JSON value"))
	}
	return in, nil
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("%s must be a %s", te.Field, te.Type.Kind())
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "it could not be read"
}

// check validates the fields that need no directory read.
func (in Input) check() error {
	var errs []error
	in.Target, in.Requester = strings.TrimSpace(in.Target), strings.TrimSpace(in.Requester)
	if in.Target == "" {
		errs = append(errs, invalid(text.APINeedTarget))
	}
	if in.Requester == "" {
		errs = append(errs, invalid(text.APINeedRequester))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"target", in.Target, maxIDLen}, {"requester", in.Requester, maxIDLen},
		{"external_ref", in.ExternalRef, maxRefLen}, {"notes", in.Notes, maxNotesLen}} {
		if utf8.RuneCountInString(f.v) > f.max {
			errs = append(errs, invalid(text.APITooLong, f.name, f.max))
		}
	}
	if in.LifetimeMinutes != 0 && (in.LifetimeMinutes < minLifetime || in.LifetimeMinutes > maxLifetime) {
		errs = append(errs, invalid(text.APIBadLifetime))
	}
	if in.Reason != "" && !tap.Reason(in.Reason).Valid() {
		names := make([]string, len(tap.Reasons))
		for i, r := range tap.Reasons {
			names[i] = string(r)
		}
		errs = append(errs, invalid(text.APIBadReason, in.Reason, strings.Join(names, ", ")))
	}
	return joinRefusals(errs)
}

// joinRefusals makes one refusal whose sentence lists every problem.
func joinRefusals(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return tap.Refuse(tap.ErrInvalidInput, strings.Join(msgs, " "))
}

// start resolves start or hire_date to an instant and the zone to show it in.
func (in Input) start(cfg Config) (time.Time, string, error) {
	switch {
	case in.Start != "" && in.HireDate != "":
		return time.Time{}, "", invalid(text.APIBothStarts)
	case in.Start != "":
		t, err := time.Parse(time.RFC3339, in.Start)
		if err != nil {
			return time.Time{}, "", invalid(text.APIBadStart, in.Start)
		}
		zone := in.TimeZone
		if zone != "" {
			if _, err := time.LoadLocation(zone); err != nil {
				return time.Time{}, "", invalid(text.APIBadZone, zone)
			}
		}
		return t.UTC(), zone, nil
	case in.HireDate != "":
		zone := in.TimeZone
		if zone == "" {
			zone = cfg.DefaultZone
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return time.Time{}, "", invalid(text.APIBadZone, zone)
		}
		day, err := time.ParseInLocation("2006-01-02", in.HireDate, loc)
		if err != nil {
			return time.Time{}, "", invalid(text.APIBadHireDate, in.HireDate)
		}
		clock, _ := time.Parse("15:04", cfg.StartOfDay)
		at := time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, loc)
		return at.UTC(), zone, nil
	}
	return time.Time{}, "", invalid(text.APINeedStart)
}

// Directory is what the intake reads from Entra (graph.Client).
type Directory interface {
	// User returns the user by object id or UPN; ErrUserNotFound if absent.
	User(ctx context.Context, idOrUPN string) (tap.User, error)
	// Manager returns the user's manager; ErrNotFound if none is set.
	Manager(ctx context.Context, id tap.UserID) (tap.User, error)
}

// requester resolves who asks: the named hiring manager or the target's
// manager in Entra; with api.requesters: manager, a named one must be that
// manager.
func requester(ctx context.Context, dir Directory, cfg Config, in Input) (tap.Actor, error) {
	named := strings.TrimSpace(in.Requester)
	var u tap.User
	if strings.EqualFold(named, RequesterManager) || cfg.Requesters == RequestersManager {
		target, err := dir.User(ctx, strings.TrimSpace(in.Target))
		if err != nil {
			return tap.Actor{}, fmt.Errorf("read target: %w", err)
		}
		who := cmp.Or(target.DisplayName, target.UPN)
		u, err = dir.Manager(ctx, target.ID)
		if errors.Is(err, tap.ErrNotFound) {
			return tap.Actor{}, invalid(text.APINoManager, who)
		}
		if err != nil {
			return tap.Actor{}, fmt.Errorf("%s: %w", fmt.Sprintf(text.APIManagerUnreadable, who), err)
		}
		if !strings.EqualFold(named, RequesterManager) && !sameUser(u, named) {
			return tap.Actor{}, tap.Refuse(tap.ErrForbidden, fmt.Sprintf(text.APINotTheManager, who, named))
		}
	} else {
		var err error
		if u, err = dir.User(ctx, named); err != nil {
			return tap.Actor{}, fmt.Errorf("read requester: %w", err)
		}
	}
	return tap.Actor{Platform: cfg.NotifyPlatform, EntraID: u.ID, Name: cmp.Or(u.DisplayName, u.UPN), Email: cmp.Or(u.Mail, u.UPN)}, nil
}

// sameUser reports whether named (a UPN, mail or object id) is u.
func sameUser(u tap.User, named string) bool {
	return strings.EqualFold(named, string(u.ID)) || strings.EqualFold(named, u.UPN) || (u.Mail != "" && strings.EqualFold(named, u.Mail))
}

// draft builds the request to submit from in and the caller.
func draft(ctx context.Context, dir Directory, cfg Config, in Input, caller Caller) (*tap.Request, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	start, zone, err := in.start(cfg)
	if err != nil {
		return nil, err
	}
	rq, err := requester(ctx, dir, cfg, in)
	if err != nil {
		return nil, err
	}
	target := strings.TrimSpace(in.Target)
	t := tap.User{UPN: target}
	if !strings.Contains(target, "@") {
		t = tap.User{ID: tap.UserID(target)}
	}
	return &tap.Request{
		Requester: rq, Target: t, Start: start, Lifetime: time.Duration(in.LifetimeMinutes) * time.Minute,
		OneTime: in.OneTime, Reason: tap.Reason(in.Reason), HireZone: zone, RequesterZone: zone,
		Intake: &tap.Intake{Caller: caller.ID, ExternalRef: in.ExternalRef, Notes: in.Notes},
	}, nil
}
