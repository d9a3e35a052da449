-- Requests: the JSON document is the source of truth; the other columns
-- are copies kept for filtering. sealed holds the AES-GCM ciphertext of the
-- pass (tap.Request.Sealed, which the JSON never carries); NULL once revealed.
-- created_at and next_timer are Unix nanoseconds (exact round-trip);
-- NULL next_timer means nothing is due.
CREATE TABLE requests (
	id         text PRIMARY KEY,
	version    bigint NOT NULL,
	state      text NOT NULL,
	requester  text NOT NULL,
	target     text NOT NULL,
	created_at bigint NOT NULL,
	next_timer bigint,
	doc        jsonb NOT NULL,
	sealed     bytea
);
CREATE INDEX requests_created ON requests (created_at, id);
CREATE INDEX requests_state ON requests (state, created_at);
CREATE INDEX requests_requester ON requests (requester, created_at);
CREATE INDEX requests_target ON requests (target, created_at);
CREATE INDEX requests_next_timer ON requests (next_timer) WHERE next_timer IS NOT NULL;

-- Inbound delivery keys for de-duplication, until expires (database clock).
CREATE TABLE seen (
	key     text PRIMARY KEY,
	expires timestamptz NOT NULL
);

-- Dialog sessions; expires is Unix nanoseconds from the application, NULL: never.
CREATE TABLE sessions (
	key     text PRIMARY KEY,
	data    bytea NOT NULL,
	expires bigint
);

CREATE TABLE conversations (
	key text PRIMARY KEY,
	ref bytea NOT NULL
);

-- The hash-chained audit trail; append only. at is Unix nanoseconds.
CREATE TABLE audit (
	seq        bigint PRIMARY KEY,
	at         bigint NOT NULL,
	actor      text NOT NULL,
	action     text NOT NULL,
	request_id text NOT NULL,
	method_id  text NOT NULL,
	outcome    text NOT NULL,
	detail     jsonb,
	prev_hash  text NOT NULL,
	hash       text NOT NULL
);

-- Timer leases (database clock), so a sweep runs on one replica at a time.
CREATE TABLE leases (
	name    text PRIMARY KEY,
	holder  text NOT NULL,
	expires timestamptz NOT NULL
);
