-- The replication set: at most one per account, so the table holds at most one row.
CREATE TABLE replication_set (
    arn        text PRIMARY KEY,
    singleton  boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
    doc        jsonb NOT NULL
);

CREATE TABLE response_plan (
    name  text PRIMARY KEY,
    arn   text NOT NULL UNIQUE,
    doc   jsonb NOT NULL
);

CREATE TABLE incident_record (
    arn            text PRIMARY KEY,
    plan_name      text NOT NULL,
    status         text NOT NULL,
    impact         integer NOT NULL,
    created_by     text NOT NULL,
    creation_time  timestamptz NOT NULL,
    dedupe_string  text NOT NULL,
    doc            jsonb NOT NULL
);

-- One open incident per response plan and dedupe string: concurrent starts of one
-- alarm race on this index, and all but one join the open incident.
CREATE UNIQUE INDEX incident_record_open_dedupe
    ON incident_record (plan_name, dedupe_string) WHERE status = 'OPEN';
CREATE INDEX incident_record_newest ON incident_record (creation_time DESC, arn DESC);

CREATE TABLE tag (
    resource_arn  text NOT NULL,
    key           text NOT NULL,
    value         text NOT NULL,
    PRIMARY KEY (resource_arn, key)
);
