-- Single-use, expiring invitations that staff hand to social workers, volunteers and organisation members
-- (as Telegram deep links t.me/<bot>?start=inv_<code>).
CREATE TABLE invites (
    code            TEXT    PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('social_worker', 'volunteer', 'org_member')),
    organization    TEXT,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    created_by      INTEGER NOT NULL REFERENCES users(telegram_id),
    created_at      TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,
    used_by         INTEGER REFERENCES users(telegram_id),
    used_at         TEXT
);
