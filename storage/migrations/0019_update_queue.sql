-- Updates received from Telegram (long polling or the webhook) are written here before Telegram is told they
-- arrived, and removed once processed, so a crash in between loses none (bot/updates.py). chat_key orders the
-- turns of one chat; the payload is the update as Telegram sent it (JSON). With several webhook workers, the
-- process that received an update holds it (owner, lease_until, renewed while it lives); when a worker dies,
-- another adopts its updates once the lease has run out.
CREATE TABLE update_queue (
    update_id   INTEGER PRIMARY KEY,
    chat_key    INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    lease_until TEXT    NOT NULL
);
CREATE INDEX update_queue_chat ON update_queue (chat_key, update_id);
CREATE INDEX update_queue_lease ON update_queue (lease_until);
