package simtenant

import (
	"net/http"
	"strings"
	"time"
)

// User is a directory user as seeded by a test.
type User struct {
	ID          string // object id; StableID(UPN) when empty
	UPN         string
	DisplayName string
	Mail        string
	Department  string
	JobTitle    string
	HireDate    time.Time // employeeHireDate; zero is null
	Created     time.Time // createdDateTime; zero is null
	Disabled    bool      // accountEnabled=false
	// UserType is "Member" (default) or "Guest".
	UserType string
	// ExternalUserState is set ("Accepted", "PendingAcceptance") for B2B
	// invitees; with a #EXT# UPN it makes the user an external guest.
	ExternalUserState string
	// MailboxZone is mailboxSettings.timeZone as Exchange keeps it: a
	// Windows zone name ("Pacific Standard Time") or an IANA one; empty
	// means the mailbox has no zone set.
	MailboxZone string
	// NoMailbox makes mailboxSettings answer as for a user without an
	// Exchange Online mailbox.
	NoMailbox bool
}

// External reports whether Graph would treat u as an external guest.
func (u User) External() bool {
	return u.ExternalUserState != "" || strings.Contains(strings.ToUpper(u.UPN), "#EXT#")
}

// Group is a security group.
type Group struct {
	ID             string // StableID(DisplayName) when empty
	DisplayName    string
	RoleAssignable bool // isAssignableToRole
}

// Policy is the tenant's TAP authentication-method policy, in Graph's
// terms. Include and Exclude hold group or user ids; "all_users" in
// Include means everyone.
type Policy struct {
	Enabled                bool
	MinLifetimeMinutes     int
	MaxLifetimeMinutes     int
	DefaultLifetimeMinutes int
	DefaultLength          int
	IsUsableOnce           bool
	Include                []string
	Exclude                []string
}

// DefaultPolicy is the admin-center default once the method is enabled
// for all users: 60–480 minutes, default 60, length 8, multi-use allowed.
func DefaultPolicy() Policy {
	return Policy{Enabled: true, MinLifetimeMinutes: 60, MaxLifetimeMinutes: 480,
		DefaultLifetimeMinutes: 60, DefaultLength: 8, Include: []string{"all_users"}}
}

// PassInfo is the fake's view of a user's TAP, value included (tests only).
type PassInfo struct {
	ID              string
	Value           string
	Created         time.Time
	Start           time.Time
	LifetimeMinutes int
	IsUsableOnce    bool
	Uses            int
	IsUsable        bool
	Reason          string // methodUsabilityReason
}

// Recorded is one request as the fake received it.
type Recorded struct {
	Method   string
	Path     string // decoded path, e.g. /v1.0/users/x/authentication/methods
	RawQuery string
	Header   http.Header
	Body     []byte // raw body as sent (still compressed if it was)
	At       time.Time
}
