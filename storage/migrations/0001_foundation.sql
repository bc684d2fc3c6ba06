-- Foundation: people, communities and per-chat dialog state.
-- Times are ISO-8601 text in UTC ("2026-11-28T02:30:00+00:00"): readable in the sqlite shell and sortable.

CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    district    TEXT,
    created_at  TEXT    NOT NULL
);

-- Before consent a row holds only the Telegram id and language; everything else stays NULL.
CREATE TABLE users (
    telegram_id     INTEGER PRIMARY KEY,
    locale          TEXT    NOT NULL,
    community_id    INTEGER REFERENCES communities(id) ON DELETE SET NULL,
    consent_at      TEXT,
    consent_declined_at TEXT,
    blocked_at      TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX users_community ON users(community_id);

-- A person may hold several roles (a social worker can also be a resident); staff roles are per community.
CREATE TABLE user_roles (
    telegram_id     INTEGER NOT NULL REFERENCES users(telegram_id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN
                        ('resident', 'social_worker', 'volunteer', 'org_member', 'staff', 'admin')),
    community_id    INTEGER REFERENCES communities(id) ON DELETE CASCADE,
    granted_at      TEXT    NOT NULL,
    PRIMARY KEY (telegram_id, role)
);

-- One row per chat, read on every update so that a restart or another bot process sees the same dialog.
-- `version` grows on every save; it lets a later multi-process setup detect lost updates.
CREATE TABLE dialog_states (
    chat_id     INTEGER PRIMARY KEY,
    state       TEXT    NOT NULL,
    data        TEXT    NOT NULL DEFAULT '{}',
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT    NOT NULL
);
