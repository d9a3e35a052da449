-- At most one open request per target, enforced by the database so that two
-- simultaneous submits for the same new hire cannot both get through (two
-- approved requests would mean two Graph creates, the second replacing the
-- first pass). CreateRequest reports the conflict as tap.ErrConflict.
CREATE UNIQUE INDEX requests_one_open_per_target ON requests (target)
	WHERE state IN ('pending', 'approved', 'issuing', 'issued', 'delivered');
