-- Durable timers: one row per later stage of an engagement, id "<engagement ARN>#<stage>",
-- so an event delivered twice schedules one timer. due_at is plan time (TOCSIN_CLOCK_SCALE).
-- A worker claims pending due rows with FOR UPDATE SKIP LOCKED and sets lease_until; a
-- claim whose holder died expires and another instance takes the timer over.
CREATE TABLE timer (
    id              text PRIMARY KEY,
    engagement_arn  text NOT NULL,
    stage_index     integer NOT NULL,
    kind            text NOT NULL,
    payload         jsonb NOT NULL,
    due_at          timestamptz NOT NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'fired', 'cancelled')),
    lease_until     timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz
);

CREATE INDEX timer_due ON timer (due_at) WHERE state = 'pending';
CREATE INDEX timer_engagement ON timer (engagement_arn);
