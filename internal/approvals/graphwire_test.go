package approvals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
)

// wire speaks Graph's JSON for the calls the Service makes (TAP create,
// list, delete; authentication methods) to a simtenant tenant, over a
// real loopback server or in-process (for synctest bubbles, which must
// not block on the network).
type wire struct {
	approvals.Directory // the Service only calls Methods
	base                string
	hc                  *http.Client
}

// inProcess serves requests with the tenant's handler in the calling
// goroutine. A handler that aborts (simtenant's dropped response) is a
// transport error, as a closed connection would be.
type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, err = nil, fmt.Errorf("connection closed: %v", v)
		}
	}()
	if req.Body == nil {
		req.Body = http.NoBody // as a server would see it
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

func (w *wire) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.hc.Do(req)
	if err != nil {
		if method == http.MethodPost {
			return fmt.Errorf("%s %s: %w: %w", method, path, tap.ErrUncertain, err)
		}
		return fmt.Errorf("%s %s: %w: %w", method, path, tap.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read: %w: %w", method, path, tap.ErrUncertain, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string  `json:"code"`
				Message *string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		msg := ""
		if e.Error.Message != nil {
			msg = *e.Error.Message
		}
		switch {
		case resp.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%s %s: %w", method, path, tap.ErrNotFound)
		case resp.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s %s: %w", method, path, tap.ErrPermission)
		case resp.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("%s %s: %w", method, path, tap.ErrThrottled)
		case resp.StatusCode == http.StatusBadRequest && strings.Contains(msg, "LifetimeInMinutes"):
			return tap.Refuse(tap.ErrLifetimeRange, msg)
		case resp.StatusCode == http.StatusBadRequest:
			return tap.Refuse(tap.ErrInvalidInput, msg)
		case method == http.MethodPost:
			return fmt.Errorf("%s %s: status %d: %w", method, path, resp.StatusCode, tap.ErrUncertain)
		}
		return fmt.Errorf("%s %s: status %d: %w", method, path, resp.StatusCode, tap.ErrUnavailable)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

type wirePass struct {
	ID       string    `json:"id"`
	Value    *string   `json:"temporaryAccessPass"`
	Created  time.Time `json:"createdDateTime"`
	Start    time.Time `json:"startDateTime"`
	Lifetime int       `json:"lifetimeInMinutes"`
	Once     bool      `json:"isUsableOnce"`
	Usable   bool      `json:"isUsable"`
	Reason   string    `json:"methodUsabilityReason"`
}

func (p wirePass) pass() tap.Pass {
	out := tap.Pass{MethodID: p.ID, Created: p.Created, Start: p.Start, Lifetime: time.Duration(p.Lifetime) * time.Minute,
		OneTime: p.Once, Usable: p.Usable, UsabilityReason: p.Reason}
	if p.Value != nil {
		out.Value = tap.NewSecret(*p.Value)
	}
	return out
}

func tapPath(user tap.UserID) string {
	return "/users/" + url.PathEscape(string(user)) + "/authentication/temporaryAccessPassMethods"
}

func (w *wire) CreatePass(ctx context.Context, user tap.UserID, spec tap.PassSpec) (tap.Pass, error) {
	body := map[string]any{"lifetimeInMinutes": int(spec.Lifetime / time.Minute), "isUsableOnce": spec.OneTime}
	if !spec.Start.IsZero() {
		body["startDateTime"] = spec.Start.UTC().Format(time.RFC3339)
	}
	var p wirePass
	if err := w.do(ctx, http.MethodPost, tapPath(user), body, &p); err != nil {
		return tap.Pass{}, err
	}
	return p.pass(), nil
}

func (w *wire) ListPasses(ctx context.Context, user tap.UserID) ([]tap.Pass, error) {
	var out struct{ Value []wirePass }
	if err := w.do(ctx, http.MethodGet, tapPath(user), nil, &out); err != nil {
		return nil, err
	}
	var ps []tap.Pass
	for _, p := range out.Value {
		ps = append(ps, p.pass())
	}
	return ps, nil
}

func (w *wire) DeletePass(ctx context.Context, user tap.UserID, methodID string) error {
	return w.do(ctx, http.MethodDelete, tapPath(user)+"/"+url.PathEscape(methodID), nil, nil)
}

var kinds = map[string]tap.MethodKind{
	"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod": tap.MethodWindowsHello,
	"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod":  tap.MethodAuthenticator,
	"#microsoft.graph.fido2AuthenticationMethod":                   tap.MethodFIDO2,
	"#microsoft.graph.passwordAuthenticationMethod":                tap.MethodPassword,
	"#microsoft.graph.temporaryAccessPassAuthenticationMethod":     tap.MethodTAP,
	"#microsoft.graph.phoneAuthenticationMethod":                   tap.MethodPhone,
	"#microsoft.graph.emailAuthenticationMethod":                   tap.MethodEmail,
	"#microsoft.graph.softwareOathAuthenticationMethod":            tap.MethodSoftwareOATH,
	"#microsoft.graph.platformCredentialAuthenticationMethod":      tap.MethodPlatformCred,
}

func (w *wire) Methods(ctx context.Context, id tap.UserID) ([]tap.Method, error) {
	var out struct {
		Value []struct {
			Type string `json:"@odata.type"`
			ID   string `json:"id"`
		}
	}
	if err := w.do(ctx, http.MethodGet, "/users/"+url.PathEscape(string(id))+"/authentication/methods", nil, &out); err != nil {
		return nil, err
	}
	var ms []tap.Method
	for _, m := range out.Value {
		k, ok := kinds[m.Type]
		if !ok {
			k = tap.MethodOther
		}
		ms = append(ms, tap.Method{ID: m.ID, Kind: k, ODataType: m.Type})
	}
	return ms, nil
}
