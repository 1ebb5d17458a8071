-- Alarms deduplicate across regions: a start joins the open incident of its plan and
-- dedupe string whichever region opened it, so the lookup covers other regions' incidents
-- too (the unique index covers this region's own only).
CREATE INDEX incident_record_open_any
    ON incident_record (plan_name, dedupe_string, creation_time) WHERE status = 'OPEN';

-- The merges of duplicate incidents this region has to make (tocsin.incidents.duplicates),
-- as durable timers (tocsin.shared.timers.TABLE_TEMPLATE), due at once, scheduled by the
-- inbox: a "merge" resolves this region's incident_arn into survivor_arn (another region's
-- incident out-ranked it); a "note" writes on this region's survivor_arn that another
-- region's incident_arn was merged into it. The id names the kind and both incidents, so a
-- redelivered event schedules one.
CREATE TABLE duplicate_merge (
    id            text PRIMARY KEY,
    due_at        timestamptz NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'fired', 'cancelled')),
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    kind          text NOT NULL CHECK (kind IN ('merge', 'note')),
    incident_arn  text NOT NULL,      -- the duplicate
    survivor_arn  text NOT NULL       -- the incident it merges into
);
CREATE INDEX duplicate_merge_due ON duplicate_merge (due_at) WHERE state = 'pending';
CREATE INDEX duplicate_merge_finished ON duplicate_merge (finished_at) WHERE state <> 'pending';
