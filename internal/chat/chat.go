// Package chat is the seam between tapbot's flow and the chat platforms:
// platform-neutral inbound events, outbound messages (text, facts, buttons,
// forms, a private flag) and the Messenger interface adapters implement.
//
// The core decides what to say; adapters decide how to draw it. Platform
// data crosses the seam only as opaque refs.
package chat

import (
	"context"
	"errors"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// Kind is what happened in chat.
type Kind string

// Event kinds.
const (
	KindMessage Kind = "message" // free text in a 1:1 conversation (or a mention)
	KindCommand Kind = "command" // a slash command or bot command; Text holds its arguments
	KindAction  Kind = "action"  // a button click on a message the bot posted
	KindForm    Kind = "form"    // a submitted form (Slack modal, Teams card)
	KindInstall Kind = "install" // the bot was added to a conversation
)

// User is the person behind an event as the platform identifies them.
type User struct {
	Platform tap.Platform
	ID       string     // Slack user id / Teams 29:… id
	EntraID  tap.UserID // Teams from.aadObjectId; Slack: empty until resolved
	Email    string     // Slack: the confirmed users.info e-mail (resolution hint only)
	Name     string     // Teams from.name; Slack: empty (a profile name is its owner's claim)
	// Team is the workspace (Slack team id) or tenant (Teams tenant id).
	Team string
	// Guest is true for restricted, external or Slack Connect users, who
	// can never approve.
	Guest bool
	// Refusal, when set, is why the platform vouches for this user as
	// nobody (an unconfirmed e-mail, an unmapped account, a guest): one
	// sentence for them that says nothing about anyone else. The core
	// refuses the event with it.
	Refusal string
	// Zone is the person's IANA time zone when the platform knows it
	// (Slack users.info tz, Teams clientInfo timezone); "" otherwise.
	Zone string
}

// Event is one inbound interaction, already authenticated by the adapter.
type Event struct {
	Kind Kind
	User User
	// Conversation is where the event happened; replies go there.
	Conversation tap.Ref
	// Direct is true in a 1:1 conversation with the bot.
	Direct bool
	Text   string
	// Action is the clicked button's action id and value (KindAction).
	Action string
	Value  string
	// Message is the message that carried the clicked button (KindAction).
	Message tap.Ref
	// Form is the submitted form's id and field values (KindForm).
	Form   string
	Fields map[string]string
	// State is the submitted Form's State, echoed back (KindForm).
	State string
	// DeliveryID identifies the delivery for de-duplication
	// (Slack event_id / action tuple, Teams activity id).
	DeliveryID string
	// Reply answers privately to the person who caused this event, on the
	// surface bound to it: a Slack modal (views.open/update via the
	// trigger_id) or ephemeral, a Teams invoke response. It is the only
	// path that may carry a Message with a Secret. Nil when the event has
	// no private surface; then use Messenger.Send.
	Reply func(ctx context.Context, m Message) error
	// Redraw answers a click (KindAction, or a form submitted from a
	// card) with the clicked message as it reads now, on the clicker's
	// surface: a Teams invoke response, which replaces the card the
	// clicker sees. answer, when not empty, is a one-line answer to the
	// click (a refusal) drawn above the card. A Reply, when given too,
	// wins (the pass, a form). m never carries a Secret. Nil on platforms
	// whose clicked message is redrawn only through Messenger.Update.
	Redraw func(ctx context.Context, m Message, answer string) error
	// File is a file the person shared with the message (KindMessage),
	// nil when none.
	File *File
	// AnswerBy, when not zero, is when Reply stops reaching the private
	// surface (Teams answers a click within 5 s). Work that would hand
	// out something only Reply may carry (a Reveal) must not commit so
	// late that the answer cannot be shown.
	AnswerBy time.Time
}

// File is a file shared in a conversation with the bot, not yet
// downloaded: the core decides whether to read it at all.
type File struct {
	Name string
	// Type is the MIME type the platform reports ("text/csv"); may be empty.
	Type string
	// Size is the size the platform reports in bytes; 0 when unknown.
	Size int64
	// Open downloads the file with the platform's credentials, reading at
	// most max bytes (a longer file is an error, never cut silently).
	Open func(ctx context.Context, max int64) ([]byte, error)
}

// ErrTooLarge is returned by File.Open when the file has more than max bytes.
var ErrTooLarge = errors.New("file too large")

// Style is a button's look.
type Style string

// Button styles.
const (
	StyleDefault Style = ""
	StylePrimary Style = "primary"
	StyleDanger  Style = "danger"
)

// Button is a clickable action. Action ids are the core's (see package
// bot); Value carries the request id or choice.
type Button struct {
	Action  string
	Label   string
	Value   string
	Style   Style
	Confirm string // when set, the platform asks "Confirm" with this text first
}

// Fact is one labelled value shown in a message.
type Fact struct {
	Label string
	Value string
}

// FieldKind is a form field's input type.
type FieldKind string

// Form field kinds.
const (
	FieldText     FieldKind = "text"
	FieldTextArea FieldKind = "textarea"
	FieldDateTime FieldKind = "datetime" // value "2006-01-02T15:04" local to the zone field
	FieldNumber   FieldKind = "number"
	FieldToggle   FieldKind = "toggle" // value "true"/"false"
	FieldSelect   FieldKind = "select"
)

// Option is a select option.
type Option struct {
	Value string
	Label string
}

// Field is one form input.
type Field struct {
	ID          string
	Label       string
	Kind        FieldKind
	Placeholder string
	Value       string // initial value
	Options     []Option
	Optional    bool
	Error       string // validation error shown next to the field
}

// Form is an input form (Slack modal, Teams Adaptive Card inputs).
type Form struct {
	ID     string // echoed back in Event.Form
	Title  string
	Submit string
	Fields []Field
	// State is opaque data echoed back on submit (e.g. a request id).
	State string
}

// Message is what the core says. Text is light markdown: *bold*, _italic_,
// `code`, and newlines; adapters escape user text they interpolate via
// Escape before building Text, and translate the markup.
type Message struct {
	Title string
	Text  string
	Facts []Fact
	// Secret is the pass, drawn in monospace. Only Event.Reply may carry it;
	// Messenger.Send/Update must refuse a Message with a Secret.
	Secret    tap.Secret
	SecretCap string // caption for the secret, e.g. "Temporary Access Pass"
	Buttons   []Button
	Form      *Form
	// Note is small print under the message.
	Note string
	// Personal, when set, lets a platform that can show each reader
	// their own view of a shared message (Teams' Universal Actions
	// refresh) ask for it.
	Personal *Personal
}

// MaxViewers is how many people a Personal message names at most (Teams
// refreshes the card for at most 60 listed users).
const MaxViewers = 60

// Personal asks for each reader's own view of a shared message: the
// platform sends a click on Action with Value as that reader (answered
// with chat.Event.Redraw), on its own for Viewers, on request (a menu)
// for anyone else.
type Personal struct {
	Action, Value string
	// Viewers are the Entra ids of the people whose own view differs from
	// the shared one, at most MaxViewers.
	Viewers []tap.UserID
}

// HasSecret reports whether m carries a pass value.
func (m Message) HasSecret() bool { return !m.Secret.IsZero() }

// ErrSecretInPersistent is returned by Messenger implementations asked to
// post or update a persisted message containing a Secret.
var ErrSecretInPersistent = errors.New("secret in persisted message")

// ErrUnreachable is returned when the platform cannot reach the addressee
// (never talked to the bot, blocked it, not in the channel).
var ErrUnreachable = errors.New("recipient unreachable")

// AddressKind is what a message is addressed to.
type AddressKind string

// Address kinds.
const (
	ToUser    AddressKind = "user"    // a 1:1 conversation with the person
	ToChannel AddressKind = "channel" // a channel (the approvers channel)
)

// Address names where to send a message on one platform.
type Address struct {
	Platform tap.Platform
	Kind     AddressKind
	// ID is the chat user id or the channel id for the platform. For
	// ToUser, EntraID may be given instead (the adapter looks up the
	// stored conversation reference).
	ID      string
	EntraID tap.UserID
}

// Messenger sends and updates messages on one platform.
type Messenger interface {
	// Platform names the platform.
	Platform() tap.Platform
	// Send posts m to a and returns a ref for later updates. Errors:
	// ErrSecretInPersistent when m has a Secret; ErrUnreachable when a
	// cannot be reached; others wrap the platform error (no secrets).
	Send(ctx context.Context, a Address, m Message) (tap.Ref, error)
	// Update replaces the message at ref for everyone who sees it.
	// Same error contract as Send.
	Update(ctx context.Context, ref tap.Ref, m Message) error
}

// Learner is implemented by a Messenger that can address a person by
// Entra id (Address.EntraID alone) only once it has learned which chat
// account is theirs: the core calls Learned after it resolved an event's
// user to an Entra user (Slack: the confirmed e-mail looked up in Entra),
// so a notice for that person (an intake or batch request naming them as
// hiring manager) reaches them later.
type Learner interface {
	Learned(ctx context.Context, u User, id tap.UserID)
}

// Handler receives authenticated, de-duplicated events. Adapters call it
// after acknowledging the platform (Slack) or inline when the platform
// waits for a synchronous answer (Teams invoke). It returns when the work
// for the event is done.
type Handler interface {
	Handle(ctx context.Context, ev Event)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, ev Event)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, ev Event) { f(ctx, ev) }
