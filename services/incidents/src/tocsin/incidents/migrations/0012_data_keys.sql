-- The replication set's data keys (tocsin.shared.keys), only ever wrapped by the
-- key-encryption key its SseKmsKeyId names. The other services fetch them with
-- GetDataKeys and unwrap them themselves. `current` seals new values; older keys stay so
-- that what they sealed stays readable.
CREATE TABLE data_key (
    key_id      text PRIMARY KEY,
    wrapped     text NOT NULL,
    current     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    wrapped_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX data_key_one_current ON data_key (current) WHERE current;
