-- Withdrawn consent means gone (PIPL art. 15 and 47). A resident's requests stay only as anonymous counts
-- (community, service, dates, status, rating number) so that the needs book and the statistics still add up;
-- everything they wrote and every way back to them is erased (core/privacy.py, storage/sqlite/privacy.py).

-- Such requests belong to this row instead of the person: a Telegram id is never 0. It is marked blocked, so
-- nothing is ever sent to it, and it holds no role, so no list of people includes it.
INSERT INTO users (telegram_id, locale, blocked_at, created_at, updated_at)
VALUES (0, 'zh_CN', '1970-01-01T00:00:00+00:00', '1970-01-01T00:00:00+00:00', '1970-01-01T00:00:00+00:00')
ON CONFLICT(telegram_id) DO NOTHING;

-- History stays append-only, with one exception: personal data may be erased from it. A note may be cut
-- (to a prefix such as "cannot_complete: ", or to nothing), and a resident's own actions handed to row 0;
-- nothing else about an entry can change.
DROP TRIGGER request_history_no_update;
CREATE TRIGGER request_history_no_update BEFORE UPDATE ON request_history
WHEN NOT (  -- IS, not =, throughout: a comparison with NULL must not slip through as "unknown"
    NEW.id IS OLD.id AND NEW.request_id IS OLD.request_id AND NEW.at IS OLD.at
    AND NEW.from_status IS OLD.from_status AND NEW.to_status IS OLD.to_status
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS 0)
    AND (NEW.note IS OLD.note OR NEW.note IS NULL OR substr(OLD.note, 1, length(NEW.note)) IS NEW.note)
)
BEGIN SELECT RAISE(ABORT, 'request_history is append-only: only personal data may be erased from it'); END;
