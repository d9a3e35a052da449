-- The intake API's Idempotency-Keys (one row per calling app and key,
-- expiring) and its index of requests by the caller's external reference.
CREATE TABLE intake_keys (
	caller    text NOT NULL,
	key       text NOT NULL,
	body_hash text NOT NULL,
	request   text NOT NULL DEFAULT '',
	created   timestamptz NOT NULL,
	expires   timestamptz NOT NULL,
	PRIMARY KEY (caller, key)
);

CREATE INDEX intake_keys_expires ON intake_keys (expires);

CREATE TABLE intake_refs (
	caller       text NOT NULL,
	external_ref text NOT NULL,
	request      text NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
	created      timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (caller, external_ref, request)
);
