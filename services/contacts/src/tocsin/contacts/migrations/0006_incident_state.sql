-- Whether an incident may have running engagements: a resolved (or deleted) incident's
-- engagements are stopped and no new one starts until it is re-opened. changed_at is the
-- incident's own time of that change, so a late, older change never overrides a newer one.
CREATE TABLE incident_state (
    incident_id  text PRIMARY KEY,
    resolved     boolean NOT NULL,
    changed_at   timestamptz NOT NULL
);
