package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/tapbot/tapbot/internal/tap"
)

func odataErr(status int, code string, msg *string, retryAfter string) error {
	oe := odataerrors.NewODataError()
	oe.ResponseStatusCode = status
	me := odataerrors.NewMainError()
	me.SetCode(&code)
	me.SetMessage(msg)
	oe.SetErrorEscaped(me)
	if retryAfter != "" {
		oe.ResponseHeaders = abs.NewResponseHeaders()
		oe.ResponseHeaders.Add("Retry-After", retryAfter)
	}
	return oe
}

func str(s string) *string { return &s }

func TestClassify(t *testing.T) {
	ctx := context.Background()
	read := call{op: "get user", permission: permUserRead, notFound: tap.ErrUserNotFound}
	create := call{op: "create pass", permission: permTAPReadWrite, create: true}
	dial := &url.Error{Op: "Post", URL: "https://graph.microsoft.com", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "https://graph.microsoft.com", Err: &net.OpError{Op: "read", Err: errors.New("connection reset")}}
	for _, tc := range []struct {
		name    string
		c       call
		err     error
		want    error
		refusal bool
	}{
		{"lifetime", create, odataErr(400, "badRequest", str("Invalid LifetimeInMinutes specified. The valid range between 60 and 480."), ""), tap.ErrLifetimeRange, true},
		{"past start", create, odataErr(400, "badRequest", str("Invalid StartDateTime specified. It can not be a time in the past."), ""), tap.ErrStartInPast, true},
		{"guest", create, odataErr(400, "badRequest", str("Temporary Access Pass cannot be added to an external guest user."), ""), tap.ErrGuest, true},
		{"policy as 403", create, odataErr(403, "accessDenied", str("Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."), ""), tap.ErrMethodDisabled, true},
		{"403", create, odataErr(403, "accessDenied", str("Request Authorization failed"), ""), tap.ErrPermission, true},
		{"400 without message", read, odataErr(400, "BadRequest", nil, ""), tap.ErrInvalidInput, false},
		{"404", read, odataErr(404, "Request_ResourceNotFound", str("gone"), ""), tap.ErrUserNotFound, false},
		{"409", read, odataErr(409, "Conflict", nil, ""), tap.ErrConflict, false},
		{"429", read, odataErr(429, "TooManyRequests", nil, "7"), tap.ErrThrottled, false},
		{"503 read", read, odataErr(503, "serviceNotAvailable", nil, ""), tap.ErrUnavailable, false},
		{"503 create", create, odataErr(503, "serviceNotAvailable", nil, ""), tap.ErrUncertain, false},
		{"api error 502 create", create, &abs.ApiError{ResponseStatusCode: 502}, tap.ErrUncertain, false},
		{"api error 500 read", read, &abs.ApiError{ResponseStatusCode: 500}, tap.ErrUnavailable, false},
		{"dial create", create, dial, tap.ErrUnavailable, false},
		{"reset create", create, reset, tap.ErrUncertain, false},
		{"reset read", read, reset, tap.ErrUnavailable, false},
		{"deadline create", create, fmt.Errorf("wrapped: %w", context.DeadlineExceeded), tap.ErrUncertain, false},
		{"token", create, &tokenError{errors.New("AADSTS700016")}, tap.ErrUnavailable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(ctx, tc.c, tc.err)
			if !errors.Is(got, tc.want) {
				t.Fatalf("classify = %v, want %v", got, tc.want)
			}
			var r *tap.Refusal
			if errors.As(got, &r) != tc.refusal {
				t.Errorf("refusal = %v, want %v", r != nil, tc.refusal)
			}
			_ = got.Error()
		})
	}
	// The guard matters: the SDK's own Error() panics on such a body.
	func() {
		defer func() { _ = recover() }()
		_ = odataErr(400, "BadRequest", nil, "").Error()
		t.Log("ODataError.Error() did not panic on a message-less body (SDK fixed?)")
	}()
	if got := classify(ctx, read, odataErr(429, "TooManyRequests", nil, "7")); got == nil || !strings.Contains(got.Error(), "retry after 7 s") {
		t.Errorf("429 error %v does not name the wait", got)
	}
}

func TestMinutes(t *testing.T) {
	for n, want := range map[int]string{1: "1 minute", 10: "10 minutes", 60: "1 hour", 90: "90 minutes", 480: "8 hours", 43200: "720 hours"} {
		if got := minutes(n); got != want {
			t.Errorf("minutes(%d) = %q, want %q", n, got, want)
		}
	}
}
