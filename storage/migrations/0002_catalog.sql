-- The service catalogue: organisations and the services they offer, and which communities each serves.

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
);

CREATE TABLE services (
    service_id      TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    keywords        TEXT    NOT NULL DEFAULT '[]',  -- JSON array of strings
    organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
    eligibility     TEXT    NOT NULL DEFAULT '',
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX services_active ON services(active);

-- No rows for a service means it serves every community.
CREATE TABLE service_communities (
    service_id      TEXT    NOT NULL REFERENCES services(service_id) ON DELETE CASCADE,
    community_id    INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, community_id)
);
CREATE INDEX service_communities_community ON service_communities(community_id);

-- One counter that grows with every catalogue change, so that each bot process can tell cheaply
-- whether the matcher it holds in memory is still current.
CREATE TABLE catalog_version (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     INTEGER NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
