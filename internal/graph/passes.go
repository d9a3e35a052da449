package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// pastStartGrace: a requested start at most this far in the past means
// "now" and is not sent (Graph rejects any start in the past).
const pastStartGrace = 5 * time.Minute

// methodKinds maps Graph's @odata.type to tap.MethodKind (facts §3.5).
var methodKinds = map[string]tap.MethodKind{
	"#microsoft.graph.passwordAuthenticationMethod":                tap.MethodPassword,
	"#microsoft.graph.temporaryAccessPassAuthenticationMethod":     tap.MethodTAP,
	"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod": tap.MethodWindowsHello,
	"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod":  tap.MethodAuthenticator,
	"#microsoft.graph.fido2AuthenticationMethod":                   tap.MethodFIDO2,
	"#microsoft.graph.phoneAuthenticationMethod":                   tap.MethodPhone,
	"#microsoft.graph.emailAuthenticationMethod":                   tap.MethodEmail,
	"#microsoft.graph.softwareOathAuthenticationMethod":            tap.MethodSoftwareOATH,
	"#microsoft.graph.platformCredentialAuthenticationMethod":      tap.MethodPlatformCred,
}

// Methods lists the user's registered authentication methods.
func (c *Client) Methods(ctx context.Context, id tap.UserID) ([]tap.Method, error) {
	cl := call{op: "list authentication methods", permission: permMethodsRead, notFound: tap.ErrUserNotFound}
	if err := checkKey(cl.op, string(id)); err != nil {
		return nil, err
	}
	resp, err := c.users.ByUserId(string(id)).Authentication().Methods().Get(ctx, nil)
	if err != nil {
		return nil, classify(ctx, cl, err)
	}
	var out []tap.Method
	for _, m := range resp.GetValue() {
		typ := deref(m.GetOdataType())
		kind, ok := methodKinds[typ]
		if !ok {
			kind = tap.MethodOther
		}
		tm := tap.Method{ID: deref(m.GetId()), Kind: kind, ODataType: typ}
		if d, ok := m.(interface{ GetCreatedDateTime() *time.Time }); ok && d.GetCreatedDateTime() != nil {
			tm.Created = d.GetCreatedDateTime().UTC()
		}
		if d, ok := m.(interface{ GetDisplayName() *string }); ok {
			tm.DisplayName = deref(d.GetDisplayName())
		}
		out = append(out, tm)
	}
	return out, nil
}

func toPass(t models.TemporaryAccessPassAuthenticationMethodable) tap.Pass {
	p := tap.Pass{
		MethodID:        deref(t.GetId()),
		Lifetime:        time.Duration(deref(t.GetLifetimeInMinutes())) * time.Minute,
		OneTime:         deref(t.GetIsUsableOnce()),
		Usable:          deref(t.GetIsUsable()),
		UsabilityReason: deref(t.GetMethodUsabilityReason()),
	}
	if v := t.GetCreatedDateTime(); v != nil {
		p.Created = v.UTC()
	}
	if v := t.GetStartDateTime(); v != nil {
		p.Start = v.UTC()
	}
	return p
}

// CreatePass creates a TAP for user, replacing any existing one, and
// returns it with its value. The request is retried only on 429 (Graph
// did not process it). Any other failure after the request may have
// reached Graph (5xx, timeout, dropped connection) returns tap.ErrUncertain:
// reconcile with ListPasses, never repeat blindly. Refusals (lifetime
// range, start in the past, external guest, method disabled, user not
// found, missing permission) are *tap.Refusal with Graph's reason.
func (c *Client) CreatePass(ctx context.Context, user tap.UserID, spec tap.PassSpec) (tap.Pass, error) {
	cl := call{op: "create pass", permission: permTAPReadWrite, notFound: tap.ErrUserNotFound,
		notFoundMsg: userNotFound(string(user)), create: true}
	if err := checkKey(cl.op, string(user)); err != nil {
		return tap.Pass{}, err
	}
	if spec.Lifetime < 0 {
		return tap.Pass{}, fmt.Errorf("%s: %w", cl.op, tap.Refuse(tap.ErrInvalidInput, text.GraphNegativeLifetime))
	}
	if err := ctx.Err(); err != nil {
		return tap.Pass{}, fmt.Errorf("%s: not sent: %w: %w", cl.op, err, tap.ErrUnavailable)
	}
	body := models.NewTemporaryAccessPassAuthenticationMethod()
	now := c.now()
	// A start within the grace period before now means "now" and is
	// omitted; a later one is sent in UTC ("Z"); an older one is sent too,
	// and Graph refuses it with its own reason.
	if !spec.Start.IsZero() && (spec.Start.After(now) || spec.Start.Before(now.Add(-pastStartGrace))) {
		start := spec.Start.UTC()
		body.SetStartDateTime(&start)
	}
	if spec.Lifetime > 0 {
		m := int32((spec.Lifetime + time.Minute/2) / time.Minute) // whole minutes
		body.SetLifetimeInMinutes(&m)
	}
	once := spec.OneTime
	body.SetIsUsableOnce(&once)

	start := time.Now()
	t, err := c.postPass(ctx, user, body)
	if err != nil {
		err = classify(ctx, cl, err)
		if errors.Is(err, tap.ErrUncertain) {
			c.log.Warn("graph pass create outcome uncertain", "user_id", string(user), "err", err.Error())
		}
		return tap.Pass{}, err
	}
	p := toPass(t)
	v := deref(t.GetTemporaryAccessPass())
	if v == "" {
		// Created, but without a value we can deliver: the caller must
		// reconcile (delete it) like any lost response.
		return tap.Pass{}, fmt.Errorf("%s: graph returned method %s without a value: %w", cl.op, p.MethodID, tap.ErrUncertain)
	}
	p.Value = tap.NewSecret(v)
	t.SetTemporaryAccessPass(nil) // drop the SDK model's copy
	c.log.Info("graph pass created", "user_id", string(user), "method_id", p.MethodID,
		"start", p.Start, "lifetime_min", int(p.Lifetime/time.Minute), "one_time", p.OneTime,
		"usable", p.Usable, "usability_reason", p.UsabilityReason, "duration_ms", time.Since(start).Milliseconds())
	return p, nil
}

// postPass sends the create behind the write gate. A 429 means Graph did
// not process it, so it is sent again once the gate opens, while the
// deadline allows; anything else is returned as it is.
func (c *Client) postPass(ctx context.Context, user tap.UserID, body models.TemporaryAccessPassAuthenticationMethodable) (models.TemporaryAccessPassAuthenticationMethodable, error) {
	for attempt := 1; ; attempt++ {
		if err := c.writes.wait(ctx); err != nil {
			return nil, fmt.Errorf("create pass: not sent, waiting for Graph's write limit: %w: %w", err, tap.ErrThrottled)
		}
		t, err := c.users.ByUserId(string(user)).Authentication().TemporaryAccessPassMethods().Post(ctx, body,
			&users.ItemAuthenticationTemporaryAccessPassMethodsRequestBuilderPostRequestConfiguration{
				Options: []abs.RequestOption{c.createRetry()}})
		a, ok := answerOf(err)
		if !ok || a.status != http.StatusTooManyRequests {
			return t, err
		}
		wait := retryAfter(a.retryAfter)
		if !fits(ctx, wait) || attempt > maxThrottledCreates {
			return nil, err
		}
		c.writes.hold(wait)
		c.log.Info("graph retry", "op", "create pass", "status", a.status, "retry_after_ms", wait.Milliseconds(), "attempt", attempt, "why", "write limit: every write waits")
	}
}

// maxThrottledCreates bounds how often one create is sent again after a
// 429 (the deadline usually ends it first).
const maxThrottledCreates = 100

// ListPasses lists the user's TAP methods (at most one); values are zero.
func (c *Client) ListPasses(ctx context.Context, user tap.UserID) ([]tap.Pass, error) {
	cl := call{op: "list passes", permission: permTAPRead, notFound: tap.ErrUserNotFound, notFoundMsg: userNotFound(string(user))}
	if err := checkKey(cl.op, string(user)); err != nil {
		return nil, err
	}
	resp, err := c.users.ByUserId(string(user)).Authentication().TemporaryAccessPassMethods().Get(ctx, nil)
	if err != nil {
		return nil, classify(ctx, cl, err)
	}
	var out []tap.Pass
	for _, t := range resp.GetValue() {
		out = append(out, toPass(t)) // the value is null after creation
	}
	return out, nil
}

// DeletePass deletes a TAP method. ErrNotFound if it is already gone.
func (c *Client) DeletePass(ctx context.Context, user tap.UserID, methodID string) error {
	cl := call{op: "delete pass", permission: permTAPReadWrite}
	if err := checkKey(cl.op, string(user)); err != nil {
		return err
	}
	if err := checkKey(cl.op, methodID); err != nil {
		return err
	}
	if err := c.writes.wait(ctx); err != nil {
		return fmt.Errorf("%s: not sent, waiting for Graph's write limit: %w: %w", cl.op, err, tap.ErrThrottled)
	}
	err := c.users.ByUserId(string(user)).Authentication().TemporaryAccessPassMethods().
		ByTemporaryAccessPassAuthenticationMethodId(methodID).Delete(ctx, nil)
	if err != nil {
		return classify(ctx, cl, err)
	}
	c.log.Info("graph pass deleted", "user_id", string(user), "method_id", methodID)
	return nil
}
