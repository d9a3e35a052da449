-- The sealed pass (tap.Request.Sealed: AES-256-GCM ciphertext, never
-- plaintext) moves out of the requests row into a row of its own, inserted
-- when the pass is sealed and deleted — never updated — when it is
-- revealed, expires or is revoked. Before, every update of a request (a
-- reminder, a card reference) left a dead row version holding a copy of
-- the blob until VACUUM; now the only dead version is the deleted row,
-- and autovacuum is told to remove it at its next run (autovacuum_naptime,
-- one minute by default), whatever the table's size.
CREATE TABLE sealed_passes (
	id     text PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
	sealed bytea NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);

INSERT INTO sealed_passes (id, sealed)
	SELECT id, sealed FROM requests WHERE sealed IS NOT NULL AND length(sealed) > 0;

ALTER TABLE requests DROP COLUMN sealed;

-- DROP COLUMN only hides the column: the bytes stay in every row version.
-- CLUSTER rewrites the table with the live rows only, the dropped column
-- as NULL, and drops the old files (dead versions included).
CLUSTER requests USING requests_pkey;
ALTER TABLE requests SET WITHOUT CLUSTER;
