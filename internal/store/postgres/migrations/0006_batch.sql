-- Requests sent together from one CSV upload (Request.Batch), listed by
-- batch id for the bulk approval card and its progress.
CREATE INDEX requests_batch ON requests ((doc->'batch'->>'id'))
	WHERE (doc->'batch'->>'id') IS NOT NULL;
