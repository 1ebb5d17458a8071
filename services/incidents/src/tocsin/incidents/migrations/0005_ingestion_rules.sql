-- Event rules: an EventBridge event pattern and the response plan a matching alarm or
-- event starts an incident from. The plan is named by ARN, not referenced: a rule whose
-- plan was deleted stops creating incidents, and its matches go to the dead-letter queue.
CREATE TABLE event_rule (
    name               text PRIMARY KEY,
    arn                text NOT NULL UNIQUE,
    description        text,
    event_pattern      text NOT NULL,
    response_plan_arn  text NOT NULL,
    state              text NOT NULL CHECK (state IN ('ENABLED', 'DISABLED')),
    created_time       timestamptz NOT NULL,
    last_modified_time timestamptz NOT NULL
);

-- Per-plan credentials of the webhooks: only a digest of each key is kept.
CREATE TABLE integration_key (
    id            text PRIMARY KEY,
    plan_name     text NOT NULL REFERENCES response_plan (name) ON DELETE CASCADE,
    key_digest    text NOT NULL UNIQUE,
    created_time  timestamptz NOT NULL
);
CREATE INDEX integration_key_by_plan ON integration_key (plan_name, created_time);

-- How many alarm messages went to the dead-letter queue, by reason.
CREATE TABLE dead_letter_count (
    reason  text PRIMARY KEY,
    count   bigint NOT NULL
);
