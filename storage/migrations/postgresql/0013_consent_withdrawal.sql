-- PostgreSQL's 0013 (see ../0013_consent_withdrawal.sql for the why): the anonymous row 0, and the
-- append-only trigger relaxed to allow erasing personal data. `IS NOT DISTINCT FROM` is SQLite's `IS`.

INSERT INTO users (telegram_id, locale, blocked_at, created_at, updated_at)
VALUES (0, 'zh_CN', '1970-01-01T00:00:00+00:00', '1970-01-01T00:00:00+00:00', '1970-01-01T00:00:00+00:00')
ON CONFLICT(telegram_id) DO NOTHING;

-- Deleting stays forbidden (request_history_no_delete keeps request_history_append_only()).
DROP TRIGGER request_history_no_update ON request_history;
CREATE FUNCTION request_history_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (
        NEW.id IS NOT DISTINCT FROM OLD.id AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
        AND NEW.at IS NOT DISTINCT FROM OLD.at
        AND NEW.from_status IS NOT DISTINCT FROM OLD.from_status
        AND NEW.to_status IS NOT DISTINCT FROM OLD.to_status
        AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NOT DISTINCT FROM 0)
        AND (NEW.note IS NOT DISTINCT FROM OLD.note OR NEW.note IS NULL
             OR substr(OLD.note, 1, length(NEW.note)) IS NOT DISTINCT FROM NEW.note)
    ) THEN
        RAISE EXCEPTION 'request_history is append-only: only personal data may be erased from it';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER request_history_no_update BEFORE UPDATE ON request_history
    FOR EACH ROW EXECUTE FUNCTION request_history_erase_only();
