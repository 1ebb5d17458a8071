-- Timers fire by being claimed and marked fired in the transaction that writes what is due
-- to the outbox, so the lease of the first design is gone; a timer now also retries a
-- channel or times an acknowledgement out, and stages repeat in rounds.
ALTER TABLE timer
    DROP COLUMN lease_until,
    DROP COLUMN attempts,
    DROP COLUMN last_error,
    DROP COLUMN payload,
    ADD COLUMN round integer NOT NULL DEFAULT 0,
    ADD COLUMN page_arn text,
    ADD COLUMN channel_arn text,
    ADD COLUMN contact_arn text,
    ADD COLUMN incident_arn text;

ALTER TABLE timer ADD CONSTRAINT timer_kind
    CHECK (kind IN ('START_ENGAGEMENT_STAGE', 'RETRY_CHANNEL', 'ACKNOWLEDGEMENT_TIMEOUT'));

CREATE INDEX timer_incident ON timer (incident_arn) WHERE state = 'pending';
CREATE INDEX timer_page ON timer (page_arn) WHERE state = 'pending';
CREATE INDEX timer_finished ON timer (finished_at) WHERE state <> 'pending';

-- What the escalation service knows of each engagement: enough to tell whether a stage is
-- still live (for channel retries) and whom to engage again (acknowledgement timeouts).
-- ends_at is the end of the last stage of the last round; stopped_at is set by
-- StopEngagement or an essential READ.
CREATE TABLE engagement (
    arn           text PRIMARY KEY,
    contact_arn   text NOT NULL,
    contact_type  text NOT NULL,
    incident_arn  text,
    start_at      timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    stopped_at    timestamptz
);

CREATE INDEX engagement_ended ON engagement (ends_at);
