-- Announcements by community staff. Each recipient's copy is an outbox row tagged with the broadcast, so
-- progress is a count, a restart resumes from the outbox, and nobody is written to twice.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    community_id        INTEGER NOT NULL REFERENCES communities(id),
    created_by          INTEGER NOT NULL REFERENCES users(telegram_id),
    text                TEXT    NOT NULL,
    audience            TEXT    NOT NULL CHECK (audience IN ('residents', 'providers', 'both')),
    status              TEXT    NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done')),
    total               INTEGER NOT NULL,
    progress_message_id INTEGER,          -- the staff's message edited with 已发送 n / total
    reported            INTEGER NOT NULL DEFAULT -1,  -- the count last shown, to edit only on change
    created_at          TEXT    NOT NULL
);
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, status) WHERE broadcast_id IS NOT NULL;
ALTER TABLE users ADD COLUMN announcements_muted INTEGER NOT NULL DEFAULT 0;
