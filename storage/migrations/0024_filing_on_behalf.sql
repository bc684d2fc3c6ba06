-- Filing on someone's behalf (代办, issue 15 point 2): a family member the resident linked, a 网格员
-- (grid_worker) or community staff file a request for a resident.
--
-- Family links. Any consented user asks (with a one-time code from the resident's own /family); the link is
-- live only once the resident confirms it in their own chat. Either side can end it. `sees_all` is the
-- resident's choice: 0 = the member sees only the requests they filed; 1 = also the resident's own ones.
CREATE TABLE family_links (
    id              INTEGER PRIMARY KEY,
    resident_id     INTEGER NOT NULL REFERENCES users(telegram_id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES users(telegram_id) ON DELETE CASCADE,
    member_label    TEXT    NOT NULL,                 -- how the member called themselves (女儿 小红)
    resident_label  TEXT    NOT NULL,                 -- how the member calls the resident (妈妈)
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'refused', 'ended')),
    sees_all        INTEGER NOT NULL DEFAULT 0,
    asked_at        TEXT    NOT NULL,
    decided_at      TEXT,
    ended_at        TEXT,
    ended_by        INTEGER
);
-- One live (asked or confirmed) link per pair; refused and ended ones stay as the record of who did what.
CREATE UNIQUE INDEX family_links_live ON family_links(resident_id, member_id) WHERE status IN ('pending', 'active');
CREATE INDEX family_links_member ON family_links(member_id, status);

-- The one-time code a resident gives a family member (/family → 生成绑定码); used once, valid for a day.
CREATE TABLE family_codes (
    code            TEXT    PRIMARY KEY,
    resident_id     INTEGER NOT NULL REFERENCES users(telegram_id) ON DELETE CASCADE,
    expires_at      TEXT    NOT NULL,
    used_by         INTEGER
);
CREATE INDEX family_codes_resident ON family_codes(resident_id);
-- Wrong codes typed (unknown, expired, used, one's own), per person: at most core.family.MAX_TRIES a day, so
-- that nobody can try codes until one fits. Erased with the person (consent withdrawal).
CREATE TABLE family_code_tries (
    member_id       INTEGER NOT NULL,
    at              TEXT    NOT NULL
);
CREATE INDEX family_code_tries_member ON family_code_tries(member_id, at);

-- Residents without a chat (an elderly person who will never type), recorded by a grid worker or staff of
-- their community. Each is a person with an id in a range no channel uses: 2^52 + offline_residents.id
-- (Telegram's user ids have at most 52 significant bits; WeChat's start at 2^53, storage.records). That id
-- has a users row (community, consent = the verbal consent below, no 'resident' role: no announcements,
-- votes or menus) so that requests can name them as resident_id; nothing is ever sent to it: the notify layer
-- addresses the request's proxy (requests.proxy_id) instead, and ChannelBot refuses the range outright.
-- Consent: the recorder confirms the resident agreed (verbally); who confirmed and when are kept. Deleting
-- the record (staff, on request) erases it as a withdrawal of consent does.
-- AUTOINCREMENT: an id is never used again (SQLite would otherwise reuse a deleted top id, whose users row
-- 2^52 + id stays after a deletion, as a withdrawal leaves it; PostgreSQL's identity never reuses one).
CREATE TABLE offline_residents (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id         INTEGER NOT NULL REFERENCES communities(id),
    name                 TEXT    NOT NULL,            -- how to address them (王奶奶)
    phone                TEXT,
    address              TEXT,
    building             TEXT,                        -- as core.buildings writes it
    recorded_by          INTEGER NOT NULL,
    consent_confirmed_by INTEGER NOT NULL,
    consent_confirmed_at TEXT    NOT NULL,
    created_at           TEXT    NOT NULL
);
CREATE INDEX offline_residents_community ON offline_residents(community_id, name);

-- Who filed a request and who answers for its resident. filed_by NULL: the resident themself. proxy_id set:
-- the resident has no chat and this person gets the status messages and the rating ask (代为评价).
-- rated_by: who gave the rating (the resident, or the proxy).
ALTER TABLE requests ADD COLUMN filed_by INTEGER;
ALTER TABLE requests ADD COLUMN proxy_id INTEGER;
ALTER TABLE requests ADD COLUMN rated_by INTEGER;
CREATE INDEX requests_filed_by ON requests(filed_by, id);
-- Every action records who did it (actor_id, since 0003) and, when it was done for the resident by someone
-- else (filing, cancelling, a proxy's rating), for whom.
ALTER TABLE request_history ADD COLUMN on_behalf_of INTEGER;
-- History stays append-only (0013): `on_behalf_of` may only be erased to row 0, like actor_id.
DROP TRIGGER request_history_no_update;
CREATE TRIGGER request_history_no_update BEFORE UPDATE ON request_history
WHEN NOT (
    NEW.id IS OLD.id AND NEW.request_id IS OLD.request_id AND NEW.at IS OLD.at
    AND NEW.from_status IS OLD.from_status AND NEW.to_status IS OLD.to_status
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS 0)
    AND (NEW.on_behalf_of IS OLD.on_behalf_of OR NEW.on_behalf_of IS 0)
    AND (NEW.note IS OLD.note OR NEW.note IS NULL OR substr(OLD.note, 1, length(NEW.note)) IS NEW.note)
)
BEGIN SELECT RAISE(ABORT, 'request_history is append-only: only personal data may be erased from it'); END;
