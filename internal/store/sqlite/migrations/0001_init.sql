-- Requests: the JSON document is the source of truth; the other columns
-- are copies kept for filtering. sealed holds the AES-GCM ciphertext of the
-- pass (tap.Request.Sealed, which the JSON never carries); NULL once revealed.
-- Times are Unix nanoseconds (UTC); NULL next_timer means nothing is due.
CREATE TABLE requests (
	id         TEXT PRIMARY KEY,
	version    INTEGER NOT NULL,
	state      TEXT NOT NULL,
	requester  TEXT NOT NULL,
	target     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	next_timer INTEGER,
	doc        TEXT NOT NULL,
	sealed     BLOB
) STRICT;
CREATE INDEX requests_created ON requests (created_at, id);
CREATE INDEX requests_state ON requests (state, created_at);
CREATE INDEX requests_requester ON requests (requester, created_at);
CREATE INDEX requests_target ON requests (target, created_at);
CREATE INDEX requests_next_timer ON requests (next_timer) WHERE next_timer IS NOT NULL;

-- Inbound delivery keys for de-duplication, until expires.
CREATE TABLE seen (
	key     TEXT PRIMARY KEY,
	expires INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
	key     TEXT PRIMARY KEY,
	data    BLOB NOT NULL,
	expires INTEGER -- NULL: never
) STRICT;

CREATE TABLE conversations (
	key TEXT PRIMARY KEY,
	ref BLOB NOT NULL
) STRICT;

-- The hash-chained audit trail; append only.
CREATE TABLE audit (
	seq        INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	request_id TEXT NOT NULL,
	method_id  TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	detail     TEXT, -- JSON object or NULL
	prev_hash  TEXT NOT NULL,
	hash       TEXT NOT NULL
) STRICT;

CREATE TABLE leases (
	name    TEXT PRIMARY KEY,
	holder  TEXT NOT NULL,
	expires INTEGER NOT NULL
) STRICT;
