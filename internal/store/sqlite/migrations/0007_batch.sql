-- Requests sent together from one CSV upload (Request.Batch), listed by
-- batch id for the bulk approval card and its progress.
CREATE INDEX requests_batch ON requests (json_extract(doc, '$.batch.id'))
	WHERE json_extract(doc, '$.batch.id') IS NOT NULL;
