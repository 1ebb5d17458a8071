-- Results of mutating calls by idempotency token, per operation and caller, so a retried
-- call gets the first call's result and never repeats its change.
CREATE TABLE IF NOT EXISTS client_token (
    operation    text NOT NULL,
    principal    text NOT NULL,
    token        text NOT NULL,
    fingerprint  text NOT NULL,
    result       jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operation, principal, token)
);
