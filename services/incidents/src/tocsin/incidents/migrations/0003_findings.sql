-- Changes (deployments, stack updates) reported on changes.<source>, one row per finding
-- id. An incident's findings are not stored with it: they are the rows whose time span
-- meets the window before the incident's creation (tocsin.incidents.findings).
CREATE TABLE finding (
    id                  text PRIMARY KEY,
    start_time          timestamptz NOT NULL,
    end_time            timestamptz,
    details             jsonb NOT NULL,        -- FindingDetails as the API returns it
    creation_time       timestamptz NOT NULL,  -- when Tocsin first recorded the finding
    last_modified_time  timestamptz NOT NULL,  -- when its details last changed
    reported_at         timestamptz NOT NULL   -- stream time of the message last applied
);

-- ListIncidentFindings pages newest change first.
CREATE INDEX finding_newest ON finding (start_time DESC, id DESC);
