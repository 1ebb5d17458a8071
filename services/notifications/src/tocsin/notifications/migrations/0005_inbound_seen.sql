-- Provider callbacks already handled, by the provider's own id (Twilio's MessageSid or
-- CallSid, with the status or digits it reports): a callback the provider sends again
-- (it retries when an answer is slow or lost) is answered without acting twice.
CREATE TABLE inbound_seen (
    provider  text NOT NULL,
    event_key text NOT NULL,
    seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_key)
);
