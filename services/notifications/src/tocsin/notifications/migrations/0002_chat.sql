-- Chat posts made, per event and target (a hash of the webhook URL), so a redelivered
-- event posts only to the targets it had not reached.
CREATE TABLE chat_post (
    event_id    text NOT NULL,
    target      text NOT NULL,
    posted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, target)
);
