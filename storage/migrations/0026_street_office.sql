-- 人随事转 (issue 15): a street office moves a provider's service area between the communities it steers.
-- provider_communities keeps saying where a provider serves now; this table keeps who changed it, when and how,
-- append-only by use (nothing updates or deletes a row; a move back is a new row).
CREATE TABLE provider_moves (
    id              INTEGER PRIMARY KEY,
    provider_id     INTEGER NOT NULL REFERENCES providers(telegram_id) ON DELETE CASCADE,
    community_id    INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    action          TEXT    NOT NULL CHECK (action IN ('add', 'remove')),
    moved_by        INTEGER REFERENCES users(telegram_id) ON DELETE SET NULL,
    moved_at        TEXT    NOT NULL
);
CREATE INDEX provider_moves_provider ON provider_moves(provider_id, id);
CREATE INDEX provider_moves_community ON provider_moves(community_id, moved_at);
-- The street office's figures read a period's pushes and a period's requests of a set of communities
-- (storage/sqlite/street_reports.py): without these every request the set ever had is read on every call.
CREATE INDEX offers_offered ON offers(offered_at);
CREATE INDEX requests_community_created ON requests(community_id, created_at);
