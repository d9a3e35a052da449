package tap

import (
	"context"
	"time"
)

// RequestFilter selects requests. Zero fields do not filter.
type RequestFilter struct {
	States    []State
	Requester UserID // requester's Entra id
	Target    UserID
	// DueBefore selects requests whose Due() (NextTimer, or a pending
	// notice's next attempt) is non-zero and <= DueBefore.
	DueBefore time.Time
	// Queued selects requests with IssueQueued set (with States
	// {StateApproved}: the issuance queue).
	Queued bool
	// Since selects requests created at or after Since.
	Since time.Time
	// Batch selects the requests of one batch (Request.Batch.ID).
	Batch string
	Limit int
}

// AuditRecord is one link of the hash-chained audit trail. It never holds
// a pass value.
type AuditRecord struct {
	Seq      int64             `json:"seq"`
	At       time.Time         `json:"at"`
	Actor    string            `json:"actor"` // "entra:<id>", "slack:<id>", "system"
	Action   string            `json:"action"`
	Request  RequestID         `json:"request,omitempty"`
	MethodID string            `json:"method_id,omitempty"`
	Outcome  string            `json:"outcome"` // "ok", "refused", "error"
	Detail   map[string]string `json:"detail,omitempty"`
	PrevHash string            `json:"prev_hash"`
	Hash     string            `json:"hash"`
}

// Session is a dialog session's persisted form.
type Session struct {
	Key     string    // platform/conversation/user
	Data    []byte    // dialog-owned JSON
	Expires time.Time // idle expiry
}

// Store persists requests, dialog sessions, conversation references,
// inbound de-duplication keys, the audit trail and timer leases. Every
// implementation passes storetest.Run. All methods are safe for concurrent
// use by several goroutines and several processes sharing the backend.
type Store interface {
	// CreateRequest inserts r (r.Version must be 0; it becomes 1).
	// ErrConflict if the id exists or, for an open r, its target already
	// has an open request (at most one per target, atomically).
	CreateRequest(ctx context.Context, r *Request) error
	// GetRequest returns a copy. ErrNotFound if absent.
	GetRequest(ctx context.Context, id RequestID) (*Request, error)
	// UpdateRequest saves r if the stored version equals r.Version and
	// then increments r.Version. ErrConflict if another writer won;
	// ErrNotFound if absent.
	UpdateRequest(ctx context.Context, r *Request) error
	// ListRequests returns matching requests, oldest first.
	ListRequests(ctx context.Context, f RequestFilter) ([]*Request, error)

	// MarkSeen records an inbound delivery key. It returns true the first
	// time a key is seen and false afterwards (until ttl passes).
	MarkSeen(ctx context.Context, key string, ttl time.Duration) (first bool, err error)

	// GetSession returns a live session. ErrNotFound if absent or expired.
	GetSession(ctx context.Context, key string) (Session, error)
	// PutSession inserts or replaces a session.
	PutSession(ctx context.Context, s Session) error
	// DeleteSession removes a session; absent is not an error.
	DeleteSession(ctx context.Context, key string) error

	// PutConversation stores an adapter's opaque reference for reaching
	// key (e.g. "teams:user:<aadObjectId>") proactively.
	PutConversation(ctx context.Context, key string, ref []byte) error
	// GetConversation returns it. ErrNotFound if absent.
	GetConversation(ctx context.Context, key string) ([]byte, error)

	// LastAudit returns the newest audit record; ErrNotFound if none.
	LastAudit(ctx context.Context) (AuditRecord, error)
	// AppendAudit inserts rec; rec.Seq must be LastAudit().Seq+1 (1 for
	// the first). ErrConflict if that seq is taken.
	AppendAudit(ctx context.Context, rec AuditRecord) error
	// ListAudit returns records with Seq > after, in order, at most limit (0: all).
	ListAudit(ctx context.Context, after int64, limit int) ([]AuditRecord, error)

	// AcquireLease takes or renews the named lease for holder until
	// now+ttl. It returns false if another holder has it unexpired.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)

	// Close releases resources.
	Close() error
}
