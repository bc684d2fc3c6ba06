-- The WeChat channel (channels/wechat/). A WeChat person is a Sanshe user like any other: their user id (and
-- chat id) is WECHAT_ID_BASE + wechat_people.id, far above any Telegram id, so every table keyed by user works
-- for them unchanged; this table says who they are on WeChat and where their 48-hour window stands.
CREATE TABLE wechat_people (
    id              INTEGER PRIMARY KEY,
    account         TEXT    NOT NULL,           -- the 客服账号 (open_kfid) or 服务号 app id they write to
    external_id     TEXT    NOT NULL,           -- external_userid (微信客服) or openid (服务号)
    created_at      TEXT    NOT NULL,
    last_inbound_at TEXT,                       -- their last message: the 48-hour window opens here
    window_sends    INTEGER NOT NULL DEFAULT 0, -- messages sent to them since then (微信客服 allows 5)
    notified_at     TEXT,                       -- a notice outside the window was sent (once per closed window)
    welcome_code    TEXT,                       -- they opened the chat without writing: one message may answer,
    welcome_until   TEXT,                       -- with this code, until this time (20 seconds)
    UNIQUE (account, external_id)
);

-- Messages WeChat delivered, by WeChat's own message id: a callback retried, a cursor read twice, or two
-- workers pulling at once act on a message once. update_id is the id the update runner knows it by.
CREATE TABLE wechat_inbound (
    update_id   INTEGER PRIMARY KEY,
    msgid       TEXT    NOT NULL UNIQUE,
    received_at TEXT    NOT NULL
);
CREATE INDEX wechat_inbound_received ON wechat_inbound (received_at);

-- Where reading a 客服账号's messages (kf/sync_msg) stands.
CREATE TABLE wechat_cursors (
    account TEXT PRIMARY KEY,
    cursor  TEXT NOT NULL
);

-- What was sent to a WeChat person. WeChat has no message ids a bot can edit and no buttons: the id here stands
-- for the message in the dialog (a button press names the message it was on), and the choices are what the
-- person may answer by number, by the words, or by tapping a menu item.
CREATE TABLE wechat_messages (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    choices    TEXT,                             -- JSON: [{"label", "data"} | {"label", "text"} | ...] or NULL
    created_at TEXT    NOT NULL
);
CREATE INDEX wechat_messages_person ON wechat_messages (person_id, id);

-- Messages for a person whose window is closed, sent when they write again.
CREATE TABLE wechat_held (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    message_id INTEGER,                          -- the id the dialog knows it by (an edit replaces the body)
    body       TEXT    NOT NULL,                 -- JSON: the words and choices, as the turn gave them
    created_at TEXT    NOT NULL
);
CREATE INDEX wechat_held_person ON wechat_held (person_id, id);

-- The access_token of each WeChat app, shared by every worker: one of them refreshes it, the others read it.
CREATE TABLE wechat_tokens (
    app        TEXT PRIMARY KEY,
    token      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
