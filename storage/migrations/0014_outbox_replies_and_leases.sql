-- Replies go through the outbox too (written in the turn's transaction, then sent at once by the turn), so a
-- crash after the commit loses none of them. A reply may be an edit of a message already sent.
ALTER TABLE outbox ADD COLUMN edit_message_id INTEGER;
-- A row being sent is claimed: the owner (one bot process) holds it until lease_until, renewing while alive,
-- so a second process never sends the same row, and a dead owner's rows are taken up once the lease expires.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
CREATE INDEX outbox_leased ON outbox(lease_owner) WHERE status = 'pending' AND lease_owner IS NOT NULL;
