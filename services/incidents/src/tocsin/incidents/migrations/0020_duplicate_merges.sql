-- Alarms deduplicate across regions: a start joins the open incident of its plan and
-- dedupe string whichever region opened it, so the lookup covers other regions' incidents
-- too (the unique index covers this region's own only).
CREATE INDEX incident_record_open_any
    ON incident_record (plan_name, dedupe_string, creation_time) WHERE status = 'OPEN';

-- The merges of duplicate incidents this region has to make (tocsin.incidents.duplicates):
-- the inbox, applying another region's open incident that duplicates one opened here,
-- schedules one (due at once) for this region's incident; firing it resolves that incident
-- into the survivor, as an ordinary write of this region. Durable timers
-- (tocsin.shared.timers.TABLE_TEMPLATE): the id is "<incident ARN> <the other's ARN>", so a
-- redelivered event schedules one merge.
CREATE TABLE duplicate_merge (
    id            text PRIMARY KEY,
    due_at        timestamptz NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'fired', 'cancelled')),
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    incident_arn  text NOT NULL,      -- this region's incident, the duplicate
    survivor_arn  text NOT NULL       -- the incident it merges into
);
CREATE INDEX duplicate_merge_due ON duplicate_merge (due_at) WHERE state = 'pending';
CREATE INDEX duplicate_merge_finished ON duplicate_merge (finished_at) WHERE state <> 'pending';
