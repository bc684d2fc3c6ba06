-- Indexes for a year of a whole city's data (issue 13; measured with bench/city.py after ANALYZE). Standard DDL;
-- PostgreSQL runs postgresql/0017_city_indexes.sql, the same with one index more.

-- A provider's requests: open tasks (/tasks, dispatch's ranking) and their ratings, without scanning requests.
CREATE INDEX IF NOT EXISTS requests_provider ON requests(provider_id, status);

-- The time-limit sweep: dispatched requests (open rounds) and accepted tasks untouched for a day (stalled).
CREATE INDEX IF NOT EXISTS requests_status_updated ON requests(status, updated_at);

-- A provider's own /stats: their offers of the period, not every offer in the city.
CREATE INDEX IF NOT EXISTS offers_provider_offered ON offers(provider_id, offered_at);
-- A community's /stats: from each of its requests to the offers of the period, without reading older offers.
CREATE INDEX IF NOT EXISTS offers_request_offered ON offers(request_id, offered_at);

-- A request's birth is its first history entry (/needs, the needs book, the reports): one index entry per request
-- instead of reading each of its entries.
CREATE INDEX IF NOT EXISTS request_history_request_at ON request_history(request_id, at);

-- Who holds a role in a community (staff to tell, social workers to supervise): user_roles is keyed by person.
CREATE INDEX IF NOT EXISTS user_roles_role_community ON user_roles(role, community_id);

-- The sender's poll takes the oldest pending rows. Only a handful of a year's rows are pending; an index of
-- just those keeps the poll off the sent ones even when the statistics say "a quarter of rows per status".
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(id) WHERE status = 'pending';

-- Pruning (bot/periodic.py's Pruner): sent and abandoned rows by age, whether an open offer still needs one (and
-- unlinking answered offers from the rows deleted), processed updates by age. offers_outbox leaves out the NULLs
-- that pruning leaves behind: counted in, they would soon be most rows, and the statistics would call the index
-- useless (SQLite then reads every offer for each outbox row).
CREATE INDEX IF NOT EXISTS outbox_created ON outbox(created_at) WHERE status <> 'pending';
CREATE INDEX IF NOT EXISTS offers_outbox ON offers(outbox_id) WHERE outbox_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS processed_updates_at ON processed_updates(processed_at);
