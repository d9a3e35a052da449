package intake

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Lifecycle is the part of approvals.Service the API drives: the same
// submit, read and withdraw a chat request goes through.
type Lifecycle interface {
	SubmitAs(ctx context.Context, draft *tap.Request, id tap.RequestID) (*tap.Request, error)
	Check(ctx context.Context, draft *tap.Request) (*tap.Request, error)
	Get(ctx context.Context, id tap.RequestID) (*tap.Request, error)
	Withdraw(ctx context.Context, id tap.RequestID, actor tap.Actor) (*tap.Request, error)
}

var _ Lifecycle = (*approvals.Service)(nil)

// Store is the durable state the API needs.
type Store interface {
	tap.IntakeStore
	Seen
}

// Deps are the API's collaborators. All but Log, Now and HTTPClient are
// required.
type Deps struct {
	Lifecycle Lifecycle
	Directory Directory
	Store     Store
	Log       *slog.Logger
	Now       func() time.Time
	// HTTPClient fetches the tenant's OpenID metadata and keys.
	HTTPClient *http.Client
}

// API serves the intake endpoints. Create it with New.
type API struct {
	cfg   Config
	d     Deps
	entra *entraAuth
	hmac  *hmacAuth
	mux   *http.ServeMux
}

// staleAfter is how long a reserved key with no request yet blocks
// retries: longer than a submit can take (Graph reads, the submit lock).
const staleAfter = 2 * time.Minute

// HeaderIdempotencyKey and HeaderReplayed name the idempotency headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderReplayed       = "Idempotent-Replayed"
)

// New validates cfg and returns the API.
func New(cfg Config, d Deps) (*API, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Lifecycle == nil || d.Directory == nil || d.Store == nil {
		return nil, errors.New("intake: lifecycle, directory and store are required")
	}
	cfg = cfg.withDefaults()
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	a := &API{cfg: cfg, d: d, mux: http.NewServeMux()}
	if cfg.EntraOn() {
		e, err := newEntraAuth(cfg, d.HTTPClient, d.Now)
		if err != nil {
			return nil, fmt.Errorf("intake: %w", err)
		}
		a.entra = e
	}
	if cfg.HMACSecret != "" {
		a.hmac = &hmacAuth{secret: []byte(cfg.HMACSecret), caller: cfg.HMACCaller, seen: d.Store, now: d.Now}
	}
	a.mux.HandleFunc("POST /api/v1/requests", a.create)
	a.mux.HandleFunc("POST /api/v1/requests/validate", a.validate)
	a.mux.HandleFunc("GET /api/v1/requests", a.list)
	a.mux.HandleFunc("GET /api/v1/requests/{id}", a.get)
	a.mux.HandleFunc("DELETE /api/v1/requests/{id}", a.withdraw)
	return a, nil
}

// ServeHTTP implements http.Handler for /api/v1/.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if pattern == "" {
		// Unknown path or method: the mux's plain 404/405, as problem+json.
		rec := &statusOnly{header: w.Header()}
		h.ServeHTTP(rec, r)
		writeProblem(w, r, rec.status, "not-found", http.StatusText(rec.status)+".")
		return
	}
	a.mux.ServeHTTP(w, r)
}

// statusOnly captures the status of the mux's fallback handler.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int)        { s.status = code }

// authenticate reads the body (capped) and checks the caller: a bearer
// token when one is sent, else the HMAC signature. It writes the problem
// and returns ok=false on failure.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (Caller, []byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf(text.APITooLarge, a.cfg.MaxBody))
		} else {
			writeProblem(w, r, http.StatusBadRequest, "bad-request", fmt.Sprintf(text.APIBadJSON, "the body could not be read"))
		}
		return Caller{}, nil, false
	}
	var c Caller
	switch auth := r.Header.Get("Authorization"); {
	case auth != "" && a.entra != nil:
		c, err = a.entra.authenticate(r.Context(), auth)
	case r.Header.Get(HeaderSignature) != "" && a.hmac != nil:
		c, err = a.hmac.authenticate(r.Context(), r, body)
	default:
		err = unauthorized("no credentials")
	}
	if err != nil {
		a.d.Log.WarnContext(r.Context(), "intake call refused", "reason", err.Error(), "method", r.Method, "path", r.URL.Path)
		if ae := (*authError)(nil); errors.As(err, &ae) && ae.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		fail(w, r, a.d.Log, err)
		return Caller{}, nil, false
	}
	return c, body, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// validKey: 1–255 visible ASCII characters.
func validKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// authenticateJSON is authenticate for a call whose body must be JSON
// (415 otherwise, before any authentication work).
func (a *API) authenticateJSON(w http.ResponseWriter, r *http.Request) (Caller, []byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported-media-type", text.APIContentType)
		return Caller{}, nil, false
	}
	return a.authenticate(w, r)
}

// create is POST /api/v1/requests.
func (a *API) create(w http.ResponseWriter, r *http.Request) {
	caller, body, ok := a.authenticateJSON(w, r)
	if !ok {
		return
	}
	key := r.Header.Get(HeaderIdempotencyKey)
	if !validKey(key) {
		writeProblem(w, r, http.StatusBadRequest, "idempotency-key-missing", text.APINeedKey)
		return
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	held, reserved, err := a.d.Store.ReserveIntakeKey(r.Context(), tap.IntakeKey{Caller: caller.ID, Key: key, BodyHash: hash}, a.cfg.IdempotencyTTL, staleAfter)
	if err != nil {
		fail(w, r, a.d.Log, fmt.Errorf("reserve idempotency key: %w: %w", tap.ErrUnavailable, err))
		return
	}
	id := requestID(caller.ID, key, hash)
	if !reserved {
		a.replay(w, r, caller, held, key, hash, id)
		return
	}
	// A key taken over after staleAfter may be one whose request was made
	// but whose completion was lost (a failed write, a crash): answer with
	// that request rather than meet the one-open-request rule.
	if prev, ok := a.made(r.Context(), caller, key, hash, id); ok {
		a.replayed(w, prev)
		return
	}
	req, err := a.submit(r.Context(), caller, body, id)
	if err != nil {
		if rerr := a.d.Store.ReleaseIntakeKey(context.WithoutCancel(r.Context()), caller.ID, key, hash); rerr != nil {
			a.d.Log.ErrorContext(r.Context(), "idempotency key not released", "caller", caller.ID, "err", rerr)
		}
		fail(w, r, a.d.Log, err)
		return
	}
	if err := a.d.Store.CompleteIntakeKey(context.WithoutCancel(r.Context()), caller.ID, key, hash, req.ID, externalRef(req)); err != nil {
		// The request stands; a retry finds it by its derived id.
		a.d.Log.ErrorContext(r.Context(), "idempotency key not completed", "caller", caller.ID, "request_id", req.ID, "err", err)
	}
	a.d.Log.InfoContext(r.Context(), "intake request created", "caller", caller.ID, "via", caller.Via, "request_id", req.ID)
	w.Header().Set("Location", "/api/v1/requests/"+string(req.ID))
	writeJSON(w, http.StatusCreated, viewOf(req))
}

// requestID is the id of the request a caller's POST with key and body
// makes: derived, so a retry finds it even when the key's completion was
// lost. It is not guessable without the caller's key.
func requestID(caller, key, bodyHash string) tap.RequestID {
	sum := sha256.Sum256([]byte("tapbot intake request\x00" + caller + "\x00" + key + "\x00" + bodyHash))
	return tap.RequestID(base64.RawURLEncoding.EncodeToString(sum[:16]))
}

// made returns the request an earlier POST with this key and body made,
// completing the key that still lacks it.
func (a *API) made(ctx context.Context, caller Caller, key, hash string, id tap.RequestID) (*tap.Request, bool) {
	req, err := a.own(ctx, caller, id)
	if err != nil {
		return nil, false
	}
	if err := a.d.Store.CompleteIntakeKey(context.WithoutCancel(ctx), caller.ID, key, hash, req.ID, externalRef(req)); err != nil {
		a.d.Log.ErrorContext(ctx, "idempotency key not completed", "caller", caller.ID, "request_id", req.ID, "err", err)
	}
	return req, true
}

func externalRef(req *tap.Request) string {
	if req.Intake == nil {
		return ""
	}
	return req.Intake.ExternalRef
}

// replayed answers a retried POST with the request it made.
func (a *API) replayed(w http.ResponseWriter, req *tap.Request) {
	w.Header().Set(HeaderReplayed, "true")
	w.Header().Set("Location", "/api/v1/requests/"+string(req.ID))
	writeJSON(w, http.StatusCreated, viewOf(req))
}

// validate is POST /api/v1/requests/validate: the checks of a create,
// nothing stored, nobody told (a batch is validated before it is sent).
func (a *API) validate(w http.ResponseWriter, r *http.Request) {
	caller, body, ok := a.authenticateJSON(w, r)
	if !ok {
		return
	}
	d, err := a.draft(r.Context(), caller, body)
	if err == nil {
		d, err = a.d.Lifecycle.Check(r.Context(), d)
	}
	if err != nil {
		fail(w, r, a.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, checkedOf(d))
}

// draft decodes body into the request the caller asks for.
func (a *API) draft(ctx context.Context, caller Caller, body []byte) (*tap.Request, error) {
	in, err := decodeInput(body)
	if err != nil {
		return nil, err
	}
	if a.cfg.NotifyPlatform == "" {
		return nil, tap.Refuse(tap.ErrInvalidInput, text.APINoNotifyPlatform)
	}
	return draft(ctx, a.d.Directory, a.cfg, in, caller)
}

// submit decodes body and hands the draft to the lifecycle as request id.
func (a *API) submit(ctx context.Context, caller Caller, body []byte, id tap.RequestID) (*tap.Request, error) {
	d, err := a.draft(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	return a.d.Lifecycle.SubmitAs(ctx, d, id)
}

// replay answers a POST whose key is already held.
func (a *API) replay(w http.ResponseWriter, r *http.Request, caller Caller, held tap.IntakeKey, key, hash string, id tap.RequestID) {
	switch {
	case held.BodyHash != hash:
		writeProblem(w, r, http.StatusConflict, "idempotency-key-reused", text.APIKeyReused)
	case held.Request == "":
		if req, ok := a.made(r.Context(), caller, key, hash, id); ok {
			a.replayed(w, req)
			return
		}
		w.Header().Set("Retry-After", "2")
		writeProblem(w, r, http.StatusConflict, "idempotency-key-in-flight", text.APIKeyInFlight)
	default:
		req, err := a.own(r.Context(), caller, held.Request)
		if err != nil {
			fail(w, r, a.d.Log, err)
			return
		}
		a.replayed(w, req)
	}
}

// own loads a request the caller made; any other is ErrNotFound.
func (a *API) own(ctx context.Context, caller Caller, id tap.RequestID) (*tap.Request, error) {
	req, err := a.d.Lifecycle.Get(ctx, id)
	if errors.Is(err, tap.ErrNotFound) {
		// One sentence for a missing request and another caller's: the
		// answer must not tell which ids exist.
		return nil, tap.Refuse(tap.ErrNotFound, text.APINotFound)
	}
	if err != nil {
		return nil, err
	}
	if req.Intake == nil || req.Intake.Caller != caller.ID {
		return nil, tap.Refuse(tap.ErrNotFound, text.APINotFound)
	}
	return req, nil
}

// get is GET /api/v1/requests/{id}.
func (a *API) get(w http.ResponseWriter, r *http.Request) {
	caller, _, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	req, err := a.own(r.Context(), caller, tap.RequestID(r.PathValue("id")))
	if err != nil {
		fail(w, r, a.d.Log, notFound(err))
		return
	}
	writeJSON(w, http.StatusOK, viewOf(req))
}

// notFound gives a missing request the API's own sentence.
func notFound(err error) error {
	if errors.Is(err, tap.ErrNotFound) && !errors.As(err, new(*tap.Refusal)) {
		return tap.Refuse(tap.ErrNotFound, text.APINotFound)
	}
	return err
}

// withdraw is DELETE /api/v1/requests/{id}.
func (a *API) withdraw(w http.ResponseWriter, r *http.Request) {
	caller, _, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	id := tap.RequestID(r.PathValue("id"))
	if _, err := a.own(r.Context(), caller, id); err != nil {
		fail(w, r, a.d.Log, notFound(err))
		return
	}
	actor := tap.Actor{Platform: approvals.PlatformAPI, ChatID: caller.ID, Name: fmt.Sprintf("HR system (%s)", caller.ID)}
	req, err := a.d.Lifecycle.Withdraw(r.Context(), id, actor)
	if err != nil {
		fail(w, r, a.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOf(req))
}

// list is GET /api/v1/requests?external_ref=….
func (a *API) list(w http.ResponseWriter, r *http.Request) {
	caller, _, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	ref := r.URL.Query().Get("external_ref")
	if ref == "" || len(ref) > maxRefLen {
		writeProblem(w, r, http.StatusBadRequest, "bad-request", text.APINeedExternalRef)
		return
	}
	ids, err := a.d.Store.IntakeRequests(r.Context(), caller.ID, ref)
	if err != nil {
		fail(w, r, a.d.Log, fmt.Errorf("list: %w: %w", tap.ErrUnavailable, err))
		return
	}
	out := List{Requests: []View{}}
	for _, id := range ids {
		req, err := a.own(r.Context(), caller, id)
		if err != nil {
			fail(w, r, a.d.Log, err)
			return
		}
		out.Requests = append(out.Requests, viewOf(req))
	}
	writeJSON(w, http.StatusOK, out)
}
