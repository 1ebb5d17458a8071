-- The canary's durable timers (tocsin.shared.timers.TABLE_TEMPLATE): a "send" timer per
-- round, id "send:<round>", and the "check" of its delivery, id "check:<round>", where the
-- round is the Unix second (plan time) the test page is due. Deterministic ids make every
-- instance's scheduling of the same round one row.
CREATE TABLE canary_timer (
    id              text PRIMARY KEY,
    due_at          timestamptz NOT NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'fired', 'cancelled')),
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    kind            text NOT NULL CHECK (kind IN ('send', 'check')),
    round           bigint NOT NULL,
    engagement_arn  text,            -- the check's: the round's test engagement, once started
    detail          text             -- the check's: why the page could not be sent
);
CREATE INDEX canary_timer_due ON canary_timer (due_at) WHERE state = 'pending';
CREATE INDEX canary_timer_finished ON canary_timer (finished_at) WHERE state <> 'pending';
