-- The sender asks whether a chat has an older pending message still waiting (postponed); this answers it.
CREATE INDEX outbox_pending_per_chat ON outbox(chat_id, id) WHERE status = 'pending';
