package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/tapbot/tapbot/internal/tap"
)

// permSignInsRead is the permission auditLogs/signIns needs (plus an
// Entra ID P1 licence in the tenant).
const permSignInsRead = "AuditLog.Read.All"

// maxSignInPages bounds one SignIns call (Graph pages hold up to 1000).
const maxSignInPages = 5

// Throttled is returned (wrapped) when Graph still answers 429 after the
// client's retries; After is Graph's Retry-After, 0 when it sent none.
type Throttled struct{ After time.Duration }

func (t *Throttled) Error() string { return "throttled, retry after " + t.After.String() }

// RetryAfter is how long Graph asked the caller to wait.
func (t *Throttled) RetryAfter() time.Duration { return t.After }

// Unwrap makes the error match tap.ErrThrottled.
func (t *Throttled) Unwrap() error { return tap.ErrThrottled }

// wireSignIn is Graph beta's signIn, as far as tapbot reads it. The
// beta version is used because only beta carries authenticationDetails
// (v1.0's signIn has no per-method steps, so it cannot tell a sign-in
// with the Temporary Access Pass from one with a password).
type wireSignIn struct {
	ID              string    `json:"id"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	UserID          string    `json:"userId"`
	IPAddress       string    `json:"ipAddress"`
	Location        struct {
		City            string `json:"city"`
		State           string `json:"state"`
		CountryOrRegion string `json:"countryOrRegion"`
	} `json:"location"`
	DeviceDetail struct {
		OperatingSystem string `json:"operatingSystem"`
		Browser         string `json:"browser"`
	} `json:"deviceDetail"`
	Status struct {
		ErrorCode     int    `json:"errorCode"`
		FailureReason string `json:"failureReason"`
	} `json:"status"`
	AuthenticationDetails []struct {
		AuthenticationMethod string `json:"authenticationMethod"`
		Succeeded            bool   `json:"succeeded"`
	} `json:"authenticationDetails"`
}

type signInPage struct {
	Value    []wireSignIn `json:"value"`
	NextLink string       `json:"@odata.nextLink"`
}

// SignIns reads user's sign-ins since since from Graph beta
// auditLogs/signIns, newest first. A 403 is a *tap.Refusal naming
// AuditLog.Read.All; a 429 after retries is a *Throttled.
func (c *Client) SignIns(ctx context.Context, user tap.UserID, since time.Time) ([]tap.SignIn, error) {
	cl := call{op: "read sign-in logs", permission: permSignInsRead + " (and an Entra ID P1 licence)"}
	if err := checkKey(cl.op, string(user)); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("$filter", fmt.Sprintf("userId eq '%s' and createdDateTime ge %s", user, since.UTC().Format(time.RFC3339)))
	q.Set("$top", "100")
	next := c.betaRoot() + "/auditLogs/signIns?" + q.Encode()
	var out []tap.SignIn
	for page := 0; next != "" && page < maxSignInPages; page++ {
		p, err := c.signInPage(ctx, cl, next)
		if err != nil {
			return nil, err
		}
		for _, w := range p.Value {
			out = append(out, fromWire(w))
		}
		next = p.NextLink
	}
	return out, nil
}

// CheckSignIns reads one entry of the sign-in log to learn at start
// whether tapbot may (AuditLog.Read.All and Entra ID P1): nil when it may.
func (c *Client) CheckSignIns(ctx context.Context) error {
	cl := call{op: "read sign-in logs", permission: permSignInsRead + " (and an Entra ID P1 licence)"}
	_, err := c.signInPage(ctx, cl, c.betaRoot()+"/auditLogs/signIns?$top=1")
	return err
}

func (c *Client) signInPage(ctx context.Context, cl call, raw string) (signInPage, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return signInPage{}, fmt.Errorf("%s: %w", cl.op, err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	body, err := c.adapter.SendPrimitive(ctx, ri, "[]byte",
		abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
	if err != nil {
		if a, ok := answerOf(err); ok && a.status == 429 {
			secs, _ := strconv.Atoi(strings.TrimSpace(a.retryAfter))
			return signInPage{}, fmt.Errorf("%s: graph 429: %w", cl.op, &Throttled{After: time.Duration(secs) * time.Second})
		}
		return signInPage{}, classify(ctx, cl, err)
	}
	b, _ := body.([]byte)
	var p signInPage
	if err := json.Unmarshal(b, &p); err != nil {
		return signInPage{}, fmt.Errorf("%s: decode: %v: %w", cl.op, err, tap.ErrUnavailable)
	}
	return p, nil
}

// betaRoot is the beta endpoint next to the client's v1.0 base URL.
func (c *Client) betaRoot() string {
	return strings.TrimSuffix(strings.TrimSuffix(c.baseURL, "/"), "/v1.0") + "/beta"
}

func fromWire(w wireSignIn) tap.SignIn {
	s := tap.SignIn{ID: w.ID, At: w.CreatedDateTime.UTC(), UserID: tap.UserID(w.UserID), IP: w.IPAddress,
		City: w.Location.City, State: w.Location.State, Country: w.Location.CountryOrRegion,
		OS: w.DeviceDetail.OperatingSystem, Browser: w.DeviceDetail.Browser,
		ErrorCode: w.Status.ErrorCode, FailureReason: w.Status.FailureReason}
	for _, d := range w.AuthenticationDetails {
		if strings.EqualFold(d.AuthenticationMethod, tap.MethodNameTAP) {
			s.TAP = true
			s.TAPSucceeded = s.TAPSucceeded || d.Succeeded
		}
	}
	return s
}
