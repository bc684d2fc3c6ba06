-- An announcement may carry one photo. The outbox row keeps its Telegram file_id; the sender then uses
-- sendPhoto with the text as caption. The broadcast keeps it too, as a record of what was sent.
ALTER TABLE outbox ADD COLUMN photo TEXT;
ALTER TABLE broadcasts ADD COLUMN photo TEXT;
