-- Providers (social workers, volunteers, organisation members): what they deliver, where, whether on duty;
-- and the offers (task pushes) a request makes to them.

CREATE TABLE providers (
    telegram_id     INTEGER PRIMARY KEY REFERENCES users(telegram_id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('social_worker', 'volunteer', 'org_member')),
    display_name    TEXT    NOT NULL,
    organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
    supervisor_id   INTEGER REFERENCES users(telegram_id) ON DELETE SET NULL,  -- a volunteer's social worker
    on_duty         INTEGER NOT NULL DEFAULT 1 CHECK (on_duty IN (0, 1)),
    created_at      TEXT    NOT NULL
);

CREATE TABLE provider_services (
    telegram_id     INTEGER NOT NULL REFERENCES providers(telegram_id) ON DELETE CASCADE,
    service_id      TEXT    NOT NULL REFERENCES services(service_id) ON DELETE CASCADE,
    PRIMARY KEY (telegram_id, service_id)
);
CREATE INDEX provider_services_service ON provider_services(service_id);

CREATE TABLE provider_communities (
    telegram_id     INTEGER NOT NULL REFERENCES providers(telegram_id) ON DELETE CASCADE,
    community_id    INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    PRIMARY KEY (telegram_id, community_id)
);
CREATE INDEX provider_communities_community ON provider_communities(community_id);

-- One row per push of a request to a provider. The push shows no personal data; the answer says how it
-- ended for this provider: accepted (won), declined, taken (someone else won), withdrawn (request ended),
-- expired (no answer within the time limit).
CREATE TABLE offers (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests(id),
    provider_id     INTEGER NOT NULL REFERENCES providers(telegram_id),
    outbox_id       INTEGER REFERENCES outbox(id),
    offered_at      TEXT    NOT NULL,
    answer          TEXT    CHECK (answer IN ('accepted', 'declined', 'taken', 'withdrawn', 'expired')),
    answered_at     TEXT,
    UNIQUE (request_id, provider_id)
);
CREATE INDEX offers_provider ON offers(provider_id, answer);
