-- An edit of a message that is not sent yet (a task push still in the sender's hands when its offer closes):
-- it names the outbox row instead of a Telegram message id, and the sender takes it up only once that row has
-- been sent, editing the message it became.
ALTER TABLE outbox ADD COLUMN edit_outbox_id INTEGER;
