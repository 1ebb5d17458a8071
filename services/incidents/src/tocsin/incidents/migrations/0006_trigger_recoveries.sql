-- The latest recovery (an alarm back to OK, a resolved alert) of each trigger of a plan,
-- with what it said, so an older ALARM handled after it (on another incidents instance,
-- or sent out of order by its publisher) is recovered the moment it opens its incident.
CREATE TABLE trigger_recovery (
    plan_arn      text NOT NULL,
    trigger_key   text NOT NULL,
    recovered_at  double precision NOT NULL,
    token         text NOT NULL,
    trigger       jsonb NOT NULL,
    resolve       boolean NOT NULL,
    PRIMARY KEY (plan_arn, trigger_key)
);
