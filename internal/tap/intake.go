package tap

import (
	"context"
	"time"
)

// IntakeKey is one Idempotency-Key of the intake API: the first call with
// it reserves it, and the request that call made is recorded against it,
// so a retry with the same key and body gets the same request back.
type IntakeKey struct {
	Caller   string // the calling application (see Intake.Caller)
	Key      string // the Idempotency-Key header
	BodyHash string // hex SHA-256 of the call's body
	// Request is the request the call made; empty while the first call is
	// still running.
	Request RequestID
	Created time.Time
	Expires time.Time
}

// IntakeStore keeps the intake API's idempotency keys and its index of
// requests by external reference, durably (SQLite and PostgreSQL tables),
// so retries across restarts and replicas find them. Every implementation
// passes storetest.RunIntake.
type IntakeStore interface {
	// ReserveIntakeKey reserves (k.Caller, k.Key) for ttl when it is free,
	// expired, or held without a request for longer than stale (the call
	// that held it died); then it returns k as stored and true. Otherwise
	// it returns the entry that holds the key and false.
	ReserveIntakeKey(ctx context.Context, k IntakeKey, ttl, stale time.Duration) (IntakeKey, bool, error)
	// CompleteIntakeKey records request id against a key reserved with
	// bodyHash and indexes id under (caller, externalRef) when externalRef
	// is not empty. ErrNotFound if no such reservation is held.
	CompleteIntakeKey(ctx context.Context, caller, key, bodyHash string, id RequestID, externalRef string) error
	// ReleaseIntakeKey frees a key reserved with bodyHash that has no
	// request yet (the call was refused), so a retry runs again. A key
	// that is absent, completed or held for another body is left alone.
	ReleaseIntakeKey(ctx context.Context, caller, key, bodyHash string) error
	// IntakeRequests lists the requests caller made under externalRef,
	// oldest first.
	IntakeRequests(ctx context.Context, caller, externalRef string) ([]RequestID, error)
}
