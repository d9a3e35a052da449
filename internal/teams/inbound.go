package teams

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"

	"github.com/tapbot/tapbot/internal/teams/botauth"
)

// Answers to refused requests. Token problems are not detailed to the
// caller (the log has botauth.Reason).
const (
	msgNoToken      = "unauthorized: no bearer token"
	msgBadToken     = "unauthorized: invalid bearer token"
	msgForbidden    = "forbidden: the token's tenant or channel is not allowed"
	msgKeysDown     = "signing keys unavailable; try again"
	msgContentType  = "unsupported media type: send the activity as application/json"
	msgTooLarge     = "request too large"
	msgNotJSON      = "bad activity: not a JSON object"
	keysRetryAfter  = "30"
	bearerChallenge = "Bearer"
	// invalidTokenChallenge is RFC 6750's answer to a token that was sent
	// but is not valid.
	invalidTokenChallenge = `Bearer error="invalid_token"`
)

// callerAllowed answers the request and returns false when the caller may
// not send activities at all: in local mode, anything but a program on this
// machine (403); otherwise a request without an Authorization header (401).
func (a *Adapter) callerAllowed(w http.ResponseWriter, r *http.Request) bool {
	if a.validator != nil {
		if r.Header.Get("Authorization") == "" {
			a.refuse(w, r, nil, "no authorization header", http.StatusUnauthorized, msgNoToken)
			return false
		}
		return true
	}
	reason := "unauthenticated request outside local mode"
	if a.cfg.LocalMode {
		reason = a.local.Check(r)
	}
	if reason != "" {
		a.refuse(w, r, nil, reason, http.StatusForbidden, "forbidden: "+reason)
		return false
	}
	return true
}

// decode reads the activity: application/json (415 otherwise), at most
// maxBody bytes (413), a JSON object with a type, serviceUrl and channelId
// (400 otherwise).
func (a *Adapter) decode(w http.ResponseWriter, r *http.Request) (*activity, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		a.refuse(w, r, nil, "content type is not application/json", http.StatusUnsupportedMediaType, msgContentType)
		return nil, false
	}
	var act *activity
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&act); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.refuse(w, r, nil, "body too large", http.StatusRequestEntityTooLarge, msgTooLarge)
			return nil, false
		}
		a.refuse(w, r, nil, "body is not a JSON activity", http.StatusBadRequest, msgNotJSON)
		return nil, false
	}
	var missing string
	switch {
	case act == nil:
		a.refuse(w, r, nil, "activity is null", http.StatusBadRequest, msgNotJSON)
		return nil, false
	case act.Type == "":
		missing = "type"
	case act.ServiceURL == "":
		missing = "serviceUrl"
	case act.ChannelID == "":
		missing = "channelId"
	}
	if missing != "" {
		a.refuse(w, r, act, "activity has no "+missing, http.StatusBadRequest, "bad activity: no "+missing)
		return nil, false
	}
	return act, true
}

// authenticate checks the bearer token against the activity: 401 for no
// valid token, 403 for a valid token from a tenant or channel that is not
// allowed, 503 when the signing keys cannot be fetched. Local mode has no
// token; callerAllowed has vetted the caller.
func (a *Adapter) authenticate(w http.ResponseWriter, r *http.Request, act *activity) bool {
	if a.validator == nil {
		return true
	}
	_, err := a.validator.Validate(r.Context(), r.Header.Get("Authorization"), act.ServiceURL, act.ChannelID)
	switch {
	case err == nil:
		return true
	case errors.Is(err, botauth.ErrForbidden):
		a.refuse(w, r, act, botauth.Reason(err), http.StatusForbidden, msgForbidden)
	case errors.Is(err, botauth.ErrKeysUnavailable):
		w.Header().Set("Retry-After", keysRetryAfter)
		a.refuse(w, r, act, botauth.Reason(err), http.StatusServiceUnavailable, msgKeysDown)
	default:
		a.refuse(w, r, act, botauth.Reason(err), http.StatusUnauthorized, msgBadToken)
	}
	return false
}

// refuse logs why a request was refused and answers it. A 401 carries the
// Bearer challenge (RFC 6750): bare when no token was sent, invalid_token
// when one was.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, act *activity, reason string, status int, msg string) {
	attrs := []any{"reason", reason, "status", status}
	if act != nil {
		attrs = append(attrs, "activity_type", string(act.Type))
	}
	a.log.WarnContext(r.Context(), "teams activity refused", attrs...)
	if status == http.StatusUnauthorized {
		challenge := invalidTokenChallenge
		if r.Header.Get("Authorization") == "" {
			challenge = bearerChallenge
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	http.Error(w, msg, status)
}
