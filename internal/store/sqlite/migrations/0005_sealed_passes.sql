-- The sealed pass (tap.Request.Sealed: AES-256-GCM ciphertext, never
-- plaintext) moves out of the requests row into a row of its own, written
-- when the pass is sealed and deleted — never updated — when it is
-- revealed, expires or is revoked. Updates of the request (reminders,
-- card references) no longer rewrite it; secure_delete (on for every
-- connection) zeroes the deleted row's bytes in the database file.
CREATE TABLE sealed_passes (
	id     TEXT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
	sealed BLOB NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO sealed_passes (id, sealed)
	SELECT id, sealed FROM requests WHERE sealed IS NOT NULL AND length(sealed) > 0;

ALTER TABLE requests DROP COLUMN sealed;
