// Package slackfake is a stateful fake of the Slack Web API methods tapbot
// calls (auth.test, users.info, conversations.open, chat.postMessage,
// chat.update, chat.postEphemeral, views.open, views.update), speaking the
// real wire format: form-encoded or JSON requests, {"ok":…} answers, 429
// with Retry-After. It keeps channels with their current messages, modals
// by id and single-use trigger ids, records every call with its decoded
// arguments, and builds and signs inbound payloads (events, block_actions,
// view_submission, slash commands) as Slack does.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// Defaults of a new Server.
const (
	DefaultTeam    = "T0TAPBOT"
	DefaultBotUser = "U0BOT"
	DefaultBotID   = "B0BOT"
	DefaultAppID   = "A0TAPBOT"
)

// User is a workspace member.
type User struct {
	ID, Name, Email string
	// TeamID is the user's home workspace (another one for Slack Connect).
	TeamID string
	// Enterprise is the Enterprise Grid org id (enterprise_user), if any.
	Enterprise string
	// Guest marks a restricted (multi-channel guest) account;
	// UltraGuest a single-channel guest.
	Guest, UltraGuest bool
	// Stranger marks another organisation's user the app sees through a
	// shared channel (is_stranger).
	Stranger bool
	// Unconfirmed marks an e-mail address the user never confirmed
	// (is_email_confirmed false); members are confirmed by default.
	Unconfirmed bool
	Bot         bool
	Deleted     bool
	// Zone is the user's Slack time zone (users.info tz, IANA), e.g.
	// "America/Los_Angeles"; empty sends no tz.
	Zone string
}

// Message is a message as a channel shows it now.
type Message struct {
	Channel string
	TS      string
	User    string // author (the bot's user id for bot posts)
	Text    string
	Blocks  json.RawMessage
	// Ephemeral messages are visible to To only and never listed by
	// Messages.
	Ephemeral bool
	To        string
	Edits     int
}

// View is a modal as the user sees it now.
type View struct {
	ID, Hash, User, TriggerID string
	CallbackID                string
	PrivateMetadata           string
	Type                      string
	Title                     string
	Blocks                    json.RawMessage
	// Raw is the full view definition last sent by the app.
	Raw     json.RawMessage
	Updates int
}

// Call is one recorded Web API call. Args holds the decoded arguments
// (form fields, or the top-level JSON keys with strings unquoted); the
// token is never recorded.
type Call struct {
	Method string
	Args   map[string]string
	At     time.Time
}

type channel struct {
	members map[string]bool
	im      string // the user of a DM channel
	msgs    []*Message
}

type trigger struct {
	user   string
	issued time.Time
	used   bool
}

type fault struct {
	retryAfter int    // > 0: answer 429 with this Retry-After
	err        string // else: answer {"ok":false,"error":err}
}

// DefaultScopes are the bot token scopes of tapbot's app manifest.
var DefaultScopes = []string{"app_mentions:read", "chat:write", "commands", "files:read", "im:history", "im:write", "users:read", "users:read.email"}

// Server is the fake Slack Web API.
type Server struct {
	TeamID, BotUser string
	// Scopes are the bot token's scopes, sent in X-OAuth-Scopes on every
	// answer as Slack does (DefaultScopes unless changed before use).
	Scopes []string
	// TriggerTTL is how long a trigger id stays valid (Slack: 3 s).
	TriggerTTL time.Duration

	srv *httptest.Server

	mu       sync.Mutex
	users    map[string]User
	channels map[string]*channel
	views    map[string]*View
	triggers map[string]*trigger
	calls    []Call
	faults   map[string][]fault
	files    map[string]*file
	seq      int
}

// New starts a fake Slack Web API on loopback. Close it when done.
func New() *Server {
	s := NewUnstarted()
	s.srv = httptest.NewServer(s.Handler())
	return s
}

// NewUnstarted returns a fake whose handlers can be served elsewhere (see
// Bind); URL and Close are not usable on it.
func NewUnstarted() *Server {
	s := &Server{
		TeamID:     DefaultTeam,
		BotUser:    DefaultBotUser,
		TriggerTTL: 3 * time.Second,
		Scopes:     append([]string(nil), DefaultScopes...),
		users:      map[string]User{},
		channels:   map[string]*channel{},
		views:      map[string]*View{},
		triggers:   map[string]*trigger{},
		faults:     map[string][]fault{},
	}
	s.users[s.BotUser] = User{ID: s.BotUser, Name: "tapbot", TeamID: s.TeamID, Bot: true}
	return s
}

// URL is the API base URL to configure the client with (ends in "/").
func (s *Server) URL() string { return s.srv.URL + "/" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// methods maps Web API method names to handlers.
func (s *Server) methods() map[string]func(map[string]string) (any, string) {
	return map[string]func(map[string]string) (any, string){
		"auth.test":          s.authTest,
		"users.info":         s.usersInfo,
		"conversations.open": s.conversationsOpen,
		"chat.postMessage":   s.postMessage,
		"conversations.info": s.conversationsInfo,
		"chat.update":        s.chatUpdate,
		"chat.postEphemeral": s.postEphemeral,
		"views.open":         s.viewsOpen,
		"views.update":       s.viewsUpdate,
	}
}

// Handler serves the Web API methods at /<method>.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for name, fn := range s.methods() {
		mux.HandleFunc("/"+name, s.serve(name, fn))
	}
	// Socket Mode tests get apps.connections.open from slacktest (Bind).
	mux.HandleFunc("/apps.connections.open", s.connectionsOpen)
	mux.HandleFunc("/files-pri/", s.serveFile)
	return mux
}

// Bind registers the fake's methods on a slacktest server (use it as a
// slacktest.Binder), so Socket Mode tests get slacktest's websocket and
// this fake's Web API from one base URL.
func (s *Server) Bind(c slacktest.Customize) {
	for name, fn := range s.methods() {
		c.Handle("/"+name, s.serve(name, fn))
	}
	c.Handle("/files-pri/", s.serveFile)
}

func (s *Server) serve(method string, fn func(map[string]string) (any, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		args, authed := decodeArgs(r)
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: method, Args: args, At: time.Now()})
		var f *fault
		if q := s.faults[method]; len(q) > 0 {
			f = &q[0]
			s.faults[method] = q[1:]
		}
		var res any
		var code string
		switch {
		case f != nil && f.retryAfter > 0:
			s.mu.Unlock()
			w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case f != nil:
			code = f.err
		case !authed:
			code = "not_authed"
		default:
			res, code = fn(args)
		}
		scopes := strings.Join(s.Scopes, ",")
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-OAuth-Scopes", scopes)
		if code != "" {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
			return
		}
		_ = json.NewEncoder(w).Encode(res)
	}
}

// decodeArgs reads form or JSON arguments; authed reports a bot token.
func decodeArgs(r *http.Request) (map[string]string, bool) {
	args := map[string]string{}
	body, _ := io.ReadAll(r.Body)
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(body, &m)
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				args[k] = str
			} else {
				args[k] = string(v)
			}
		}
	} else {
		v, _ := url.ParseQuery(string(body))
		for k := range v {
			args[k] = v.Get(k)
		}
		for k := range r.URL.Query() {
			args[k] = r.URL.Query().Get(k)
		}
	}
	if t := args["token"]; t != "" {
		token = t
	}
	delete(args, "token")
	return args, strings.HasPrefix(token, "xoxb-")
}

// RateLimit makes the next n calls of method answer 429 with Retry-After.
func (s *Server) RateLimit(method string, retryAfterSeconds, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{retryAfter: retryAfterSeconds})
	}
}

// FailNext makes the next n calls of method answer {"ok":false,"error":code}.
func (s *Server) FailNext(method, code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{err: code})
	}
}

// ClearFaults drops the faults not yet spent.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]fault{}
}

// AddUser adds a member of the fake's workspace (guest: a restricted account).
func (s *Server) AddUser(id, name, email string, guest bool) {
	s.SetUser(User{ID: id, Name: name, Email: email, TeamID: s.TeamID, Guest: guest})
}

// SetUser adds or replaces a user with every attribute given.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.TeamID == "" {
		u.TeamID = s.TeamID
	}
	s.users[u.ID] = u
}

// RemoveFromChannel takes user (the bot's user id too) out of a channel.
func (s *Server) RemoveFromChannel(id, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.channels[id]; ok {
		delete(c.members, user)
	}
}

// AddChannel creates a channel the bot is a member of, with members.
func (s *Server) AddChannel(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &channel{members: map[string]bool{s.BotUser: true}}
	for _, m := range members {
		c.members[m] = true
	}
	s.channels[id] = c
}

// Messages returns the channel's non-ephemeral messages as they show now.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	if c, ok := s.channels[channel]; ok {
		for _, m := range c.msgs {
			if !m.Ephemeral {
				out = append(out, *m)
			}
		}
	}
	return out
}

// LastMessage returns the channel's newest non-ephemeral message.
func (s *Server) LastMessage(channel string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.channels[channel]; ok {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			if !c.msgs[i].Ephemeral {
				return *c.msgs[i], true
			}
		}
	}
	return Message{}, false
}

// Ephemerals returns the ephemeral messages shown to user, in any channel.
func (s *Server) Ephemerals(user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, c := range s.channels {
		for _, m := range c.msgs {
			if m.Ephemeral && m.To == user {
				out = append(out, *m)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TS < out[j].TS })
	return out
}

// DMChannel returns the id of the bot's DM channel with user.
func (s *Server) DMChannel(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dm(user)
}

func (s *Server) dm(user string) string {
	id := "D" + strings.TrimPrefix(user, "U")
	if _, ok := s.channels[id]; !ok {
		s.channels[id] = &channel{members: map[string]bool{s.BotUser: true, user: true}, im: user}
	}
	return id
}

// Views returns every modal opened, in order of id.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ViewsOf returns the modals opened for user, oldest first.
func (s *Server) ViewsOf(user string) []View {
	var out []View
	for _, v := range s.Views() {
		if v.User == user {
			out = append(out, v)
		}
	}
	return out
}

// View returns the modal with id.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[id]
	if !ok {
		return View{}, false
	}
	return *v, true
}

// Calls returns the recorded calls of method, or of every method when
// method is "".
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Trigger issues a trigger id for user, valid once within TriggerTTL.
func (s *Server) Trigger(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trigger(user)
}

func (s *Server) trigger(user string) string {
	id := fmt.Sprintf("%d.%d.trig%04d", time.Now().Unix(), s.seq, s.next())
	s.triggers[id] = &trigger{user: user, issued: time.Now()}
	return id
}

func (s *Server) next() int {
	s.seq++
	return s.seq
}

func (s *Server) ts() string {
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), s.next())
}
