// Package connectortest is a stateful fake Microsoft Bot Connector for
// tests: it implements the REST calls tapbot makes (create conversation;
// send, reply, update, delete activities) with the real wire shapes,
// requires a bearer token, assigns activity ids, keeps the current content
// of every activity per conversation (what a chat shows now, after
// updates), records calls and injects faults (429 + Retry-After, 412, 5xx,
// blocked users). Like real Teams clients, it refuses activities with
// empty members ("suggestedActions":{}).
package connectortest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/teams/connector"
)

// Call is one request the fake received.
type Call struct {
	Method         string
	Op             string // "create", "send", "reply", "update", "delete"
	ConversationID string
	ActivityID     string
	Status         int
	// At is when the fake received it (time.Now, so fake time in synctest).
	At time.Time
	// Body is the raw request body.
	Body []byte
}

// Posted is an activity as the conversation shows it now.
type Posted struct {
	ID        string
	ReplyToID string
	// Activity is the current content (after updates).
	Activity connector.Activity
	// Raw is the current content as sent.
	Raw json.RawMessage
	// Updates counts PUTs applied.
	Updates int
	Deleted bool
}

// Conversation is one conversation the fake knows.
type Conversation struct {
	ID        string
	IsGroup   bool
	TenantID  string
	ChannelID string // set for a channel thread
	Members   []connector.ChannelAccount
	// Activities are all posts in order, deleted ones included (Deleted set).
	Activities []Posted
}

// Fault is an injected failure for the next Count matching requests.
type Fault struct {
	// Op restricts the fault to one operation ("" = any): create, send,
	// reply, update, delete.
	Op string
	// Conversation restricts the fault to calls on one conversation.
	Conversation string
	Status       int
	RetryAfter   string // Retry-After header value, if any
	Code         string // error.code in the body
	Count        int    // default 1
}

// Server is the fake. The zero value is not usable; call New or Start.
type Server struct {
	// URL is the base URL (the serviceUrl) once started; "" for New.
	URL string

	mu     sync.Mutex
	convs  map[string]*Conversation
	byUser map[string]string // tenant|member id → 1:1 conversation id
	calls  []Call
	faults []*Fault
	block  map[string]string // conversation id → error code
	token  string
	strict bool
	seq    int64
	mux    *http.ServeMux
}

// New returns an unstarted fake; use it as an http.Handler or via Transport.
func New() *Server {
	s := &Server{convs: map[string]*Conversation{}, byUser: map[string]string{}, block: map[string]string{}, seq: 1732700000000}
	m := http.NewServeMux()
	m.HandleFunc("POST /v3/conversations", s.create)
	m.HandleFunc("GET /v3/conversations/{conv}/members", s.members)
	m.HandleFunc("POST /v3/conversations/{conv}/activities", s.send)
	m.HandleFunc("POST /v3/conversations/{conv}/activities/{aid}", s.send)
	m.HandleFunc("PUT /v3/conversations/{conv}/activities/{aid}", s.update)
	m.HandleFunc("DELETE /v3/conversations/{conv}/activities/{aid}", s.del)
	s.mux = m
	return s
}

// Start starts the fake on an httptest server closed when tb ends.
func Start(tb testing.TB) *Server {
	s := New()
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	s.URL = srv.URL + "/"
	return s
}

// ServeHTTP implements http.Handler. Any path prefix before /v3/ is
// ignored, as serviceUrls carry one (https://smba.trafficmanager.net/amer/).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if esc := r.URL.EscapedPath(); !strings.HasPrefix(esc, "/v3/") {
		if i := strings.Index(esc, "/v3/"); i > 0 {
			r2 := r.Clone(r.Context())
			u := *r.URL
			u.RawPath = esc[i:]
			if p, err := url.PathUnescape(u.RawPath); err == nil {
				u.Path = p
			}
			r2.URL = &u
			r = r2
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Transport is an in-memory RoundTripper to the fake (no sockets), for
// testing/synctest bubbles. Any host works.
func (s *Server) Transport() http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		resp := rec.Result()
		resp.Request = r
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// RequireToken makes the fake accept only "Bearer "+token ("" = any).
func (s *Server) RequireToken(token string) { s.mu.Lock(); s.token = token; s.mu.Unlock() }

// SetStrict makes sends to unknown conversations fail with 404
// ConversationNotFound; by default they are created on first use.
func (s *Server) SetStrict(on bool) { s.mu.Lock(); s.strict = on; s.mu.Unlock() }

// Inject queues a fault.
func (s *Server) Inject(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults drops the faults not yet spent.
func (s *Server) ClearFaults() { s.mu.Lock(); s.faults = nil; s.mu.Unlock() }

// Block makes every call to the conversation fail with 403 and code (for
// example "ConversationBlockedByUser"); "" unblocks.
func (s *Server) Block(conversationID, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.block, conversationID)
		return
	}
	s.block[conversationID] = code
}

// AddConversation registers a conversation (as if the bot was installed).
func (s *Server) AddConversation(c Conversation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := c
	cp.Activities = nil
	s.convs[c.ID] = &cp
	if !c.IsGroup && c.ChannelID == "" && len(c.Members) == 1 {
		s.byUser[c.TenantID+"|"+c.Members[0].ID] = c.ID
	}
}

// Calls returns the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Conversation returns a copy of one conversation.
func (s *Server) Conversation(id string) (Conversation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return Conversation{}, false
	}
	cp := *c
	cp.Members = append([]connector.ChannelAccount(nil), c.Members...)
	cp.Activities = append([]Posted(nil), c.Activities...)
	return cp, true
}

// Conversations returns the ids of all conversations.
func (s *Server) Conversations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.convs))
	for id := range s.convs {
		ids = append(ids, id)
	}
	return ids
}

// Shown returns what the conversation shows now: its non-deleted
// activities in post order, with their current content.
func (s *Server) Shown(conversationID string) []Posted {
	c, _ := s.Conversation(conversationID)
	var out []Posted
	for _, p := range c.Activities {
		if !p.Deleted {
			out = append(out, p)
		}
	}
	return out
}

// Last returns the conversation's newest activity that is not deleted,
// without copying the conversation (benchmarks call it per operation).
func (s *Server) Last(conversationID string) (Posted, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.convs[conversationID]; ok {
		for i := len(c.Activities) - 1; i >= 0; i-- {
			if !c.Activities[i].Deleted {
				return c.Activities[i], true
			}
		}
	}
	return Posted{}, false
}

// Activity returns one activity's current state.
func (s *Server) Activity(conversationID, activityID string) (Posted, bool) {
	c, _ := s.Conversation(conversationID)
	for _, p := range c.Activities {
		if p.ID == activityID {
			return p, true
		}
	}
	return Posted{}, false
}

// begin authenticates, records the call and applies faults. It returns
// false when it already answered.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, op string) (body []byte, idx int, ok bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	call := Call{Method: r.Method, Op: op, ConversationID: r.PathValue("conv"), ActivityID: r.PathValue("aid"), Body: body, At: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(status int, code, msg, retryAfter string) ([]byte, int, bool) {
		call.Status = status
		s.calls = append(s.calls, call)
		writeErr(w, status, code, msg, retryAfter)
		return nil, -1, false
	}
	tok, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case err != nil:
		return fail(http.StatusBadRequest, "BadArgument", "unreadable body", "")
	case !hasBearer || tok == "" || (s.token != "" && tok != s.token):
		return fail(http.StatusUnauthorized, "Unauthorized", "Authorization has been denied for this request.", "")
	}
	for i, f := range s.faults {
		if (f.Op != "" && f.Op != op) || (f.Conversation != "" && f.Conversation != call.ConversationID) {
			continue
		}
		f.Count--
		if f.Count == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return fail(f.Status, f.Code, "injected fault", f.RetryAfter)
	}
	if code := s.block[call.ConversationID]; code != "" {
		return fail(http.StatusForbidden, code, "The bot cannot reach this conversation.", "")
	}
	s.calls = append(s.calls, call)
	return body, len(s.calls) - 1, true
}

// answer writes v (or an error when code is set) and records the status
// of call idx. Called with s.mu held.
func (s *Server) answer(w http.ResponseWriter, idx, status int, code, msg string, v any) {
	s.calls[idx].Status = status
	if code != "" {
		writeErr(w, status, code, msg, "")
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) nextID() string {
	s.seq++
	return strconv.FormatInt(s.seq, 10)
}

func writeErr(w http.ResponseWriter, status int, code, msg, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if code == "" {
		code = http.StatusText(status)
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeActivity parses and vets an activity body like Teams does.
func decodeActivity(raw []byte) (connector.Activity, string) {
	var a connector.Activity
	if len(bytes.TrimSpace(raw)) == 0 {
		return a, "empty body"
	}
	if p := EmptyMembers(raw); len(p) > 0 {
		return a, fmt.Sprintf("activity has empty members: %s", strings.Join(p, ", "))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&a); err != nil {
		return a, "malformed activity: " + err.Error()
	}
	if a.Type == "" {
		return a, "activity type is required"
	}
	if a.Type == connector.TypeMessage && a.Text == "" && len(a.Attachments) == 0 {
		return a, "message has neither text nor attachments"
	}
	for _, at := range a.Attachments {
		if at.ContentType == connector.ContentTypeAdaptiveCard && !json.Valid(at.Content) {
			return a, "adaptive card content is not JSON"
		}
	}
	return a, ""
}

// EmptyMembers lists the members of a JSON document (outside attachment
// content and value payloads) that are {}, [], "" or null, by path.
func EmptyMembers(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				p := path + "." + k
				if isEmpty(x) {
					out = append(out, strings.TrimPrefix(p, "."))
					continue
				}
				if k == "content" || k == "value" {
					continue // card and payload JSON are the caller's
				}
				walk(p, x)
			}
		case []any:
			for i, x := range t {
				walk(fmt.Sprintf("%s[%d]", path, i), x)
			}
		}
	}
	walk("", v)
	return out
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}
