-- The code in a community's poster link (t.me/<bot>?start=c_<code>): random, so that it says nothing about the
-- community's row id, and stable, so that a printed poster keeps working; one per community.
CREATE TABLE community_codes (
    community_id    INTEGER PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    code            TEXT    NOT NULL UNIQUE,
    created_at      TEXT    NOT NULL
);

-- The command menu set for one chat (setMyCommands with a chat scope): a fingerprint of the commands, their
-- descriptions and the language, so that it is set again only when it would change. Only providers and staff
-- have a row; residents see the bot's default menu.
CREATE TABLE command_menus (
    chat_id         INTEGER PRIMARY KEY,
    fingerprint     TEXT    NOT NULL,
    set_at          TEXT    NOT NULL
);
