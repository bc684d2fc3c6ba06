-- Help requests, their append-only history, the outbox of messages to send, and processed updates.

CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    reference       TEXT    NOT NULL UNIQUE,          -- e.g. WYH-2611-0042, quoted by residents and staff
    resident_id     INTEGER NOT NULL REFERENCES users(telegram_id),
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    service_id      TEXT    REFERENCES services(service_id),  -- NULL: no service fits (unmatched)
    need_text       TEXT    NOT NULL,
    when_code       TEXT    NOT NULL DEFAULT 'asap',  -- asap | today | week | time
    when_text       TEXT,
    address         TEXT,
    latitude        REAL,
    longitude       REAL,
    contact_phone   TEXT,                             -- only when the resident shared it
    note            TEXT,
    status          TEXT    NOT NULL,
    provider_id     INTEGER REFERENCES users(telegram_id),
    rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment  TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX requests_resident ON requests(resident_id, created_at);
CREATE INDEX requests_community_status ON requests(community_id, status);

CREATE TABLE request_attachments (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('photo', 'voice', 'document')),
    file_id     TEXT    NOT NULL,
    added_at    TEXT    NOT NULL
);

-- Append-only: rows are inserted, never updated or deleted (the trigger enforces it).
CREATE TABLE request_history (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    at          TEXT    NOT NULL,
    actor_id    INTEGER,                              -- NULL: the system (timers, dispatch)
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    note        TEXT
);
CREATE INDEX request_history_request ON request_history(request_id, id);
CREATE TRIGGER request_history_no_update BEFORE UPDATE ON request_history
BEGIN SELECT RAISE(ABORT, 'request_history is append-only'); END;
CREATE TRIGGER request_history_no_delete BEFORE DELETE ON request_history
BEGIN SELECT RAISE(ABORT, 'request_history is append-only'); END;

-- Every message to a person that is not a direct reply is written here in the same transaction as the
-- change that caused it; bot/outbox/ drains it under Telegram's limits.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    reply_markup    TEXT,                             -- JSON, as the Bot API takes it
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'blocked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT    NOT NULL,                 -- do not try before this time (retry_after)
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    message_id      INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox(status, not_before, id);

-- Telegram may deliver an update twice (a restart before the offset was confirmed); we act once.
CREATE TABLE processed_updates (
    update_id       INTEGER PRIMARY KEY,
    processed_at    TEXT    NOT NULL
);
