-- Time limits are derived from times stored here (offers.offered_at, requests.updated_at), so they survive
-- restarts and any bot process can act on them. This remembers the one reminder a stalled task gets.
ALTER TABLE requests ADD COLUMN reminded_at TEXT;
CREATE INDEX offers_open ON offers(request_id) WHERE answer IS NULL;
