-- Pruning expired de-duplication keys walks this index instead of the table.
CREATE INDEX seen_expires ON seen (expires);
