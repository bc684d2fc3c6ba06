-- A provider invited by one community's staff may ask to serve another community too. Until that community's
-- staff approve, the ask waits here and is NOT in provider_communities, so the provider gets none of that
-- community's tasks, announcements or residents' contacts. Approving adds the provider_communities row.
CREATE TABLE community_applications (
    id              INTEGER PRIMARY KEY,
    provider_id     INTEGER NOT NULL REFERENCES providers(telegram_id) ON DELETE CASCADE,
    community_id    INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    invited_by      INTEGER REFERENCES users(telegram_id) ON DELETE SET NULL,  -- staff of another community
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    requested_at    TEXT    NOT NULL,
    decided_by      INTEGER REFERENCES users(telegram_id) ON DELETE SET NULL,
    decided_at      TEXT
);
-- At most one open ask per provider and community.
CREATE UNIQUE INDEX community_applications_pending
    ON community_applications(provider_id, community_id) WHERE status = 'pending';
CREATE INDEX community_applications_community ON community_applications(community_id, status);
