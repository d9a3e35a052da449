-- The intake API's Idempotency-Keys (one row per calling app and key,
-- expiring) and its index of requests by the caller's external reference.
CREATE TABLE intake_keys (
	caller    TEXT NOT NULL,
	key       TEXT NOT NULL,
	body_hash TEXT NOT NULL,
	request   TEXT NOT NULL DEFAULT '',
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	PRIMARY KEY (caller, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX intake_keys_expires ON intake_keys (expires);

CREATE TABLE intake_refs (
	caller       TEXT NOT NULL,
	external_ref TEXT NOT NULL,
	request      TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
	created      INTEGER NOT NULL,
	PRIMARY KEY (caller, external_ref, request)
) STRICT, WITHOUT ROWID;
