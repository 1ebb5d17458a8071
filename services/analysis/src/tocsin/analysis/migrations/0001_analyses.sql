-- Post-incident analyses. An analysis pins a snapshot of the template it was created from,
-- so a template edited later never changes the questions of an analysis under way.
CREATE TABLE analysis (
    id                  text PRIMARY KEY,
    arn                 text NOT NULL UNIQUE,
    incident_arn        text NOT NULL UNIQUE,          -- one analysis per incident
    response_plan_arn   text NOT NULL,
    name                text NOT NULL,
    status              text NOT NULL DEFAULT 'IN_PROGRESS'
                        CHECK (status IN ('IN_PROGRESS', 'COMPLETED')),
    template_name       text NOT NULL,
    template_version    text NOT NULL,
    template            jsonb NOT NULL,                -- the pinned snapshot
    overview            jsonb NOT NULL DEFAULT '{}',   -- field id -> text
    answers             jsonb NOT NULL DEFAULT '{}',   -- question id -> answer
    decisions           jsonb NOT NULL DEFAULT '{}',   -- recommendation id -> accept/dismiss
    checklist           jsonb NOT NULL DEFAULT '{}',   -- item id -> done
    metric_queries      jsonb NOT NULL DEFAULT '[]',   -- PromQL graphs added to the analysis
    impact_started      timestamptz,
    detected            timestamptz,
    mitigated           timestamptz,
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL,
    last_modified_by    text NOT NULL,
    last_modified_at    timestamptz NOT NULL,
    completed_by        text,
    completed_at        timestamptz,
    completed_with_open_items boolean
);
CREATE INDEX analysis_plan ON analysis (response_plan_arn, created_at);

-- The analysis's own copy of the incident timeline: any point may be edited or deleted,
-- and each copied point keeps the incident event it came from.
CREATE TABLE analysis_timeline (
    analysis_id      text NOT NULL REFERENCES analysis (id) ON DELETE CASCADE,
    point_id         text NOT NULL,
    source_event_id  text,
    event_time       timestamptz NOT NULL,
    event_type       text NOT NULL,
    event_data       text NOT NULL,
    edited           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (analysis_id, point_id)
);
CREATE INDEX analysis_timeline_time ON analysis_timeline (analysis_id, event_time, point_id);

-- What the metrics need of every incident, kept from incidents' and contacts' events so
-- that an aggregate is one query over one table.
CREATE TABLE incident_facts (
    incident_arn       text PRIMARY KEY,
    response_plan_arn  text,
    impact             int,
    declared           timestamptz,
    detected           timestamptz,    -- the first trigger, or the declaration
    detected_edited    timestamptz,    -- from the analysis, when corrected there
    first_engaged      timestamptz,
    first_ack          timestamptz,
    resolved           timestamptz,
    impact_started     timestamptz,    -- from the analysis, when recorded
    mitigated          timestamptz     -- from the analysis, when recorded
);
CREATE INDEX incident_facts_declared ON incident_facts (declared) WHERE resolved IS NOT NULL;

-- Action items and every other OpsItem, as the ssm API shapes them.
CREATE TABLE ops_item (
    id                 text PRIMARY KEY,               -- oi- + 12 hex digits
    ops_item_type      text NOT NULL,
    title              text NOT NULL,
    description        text NOT NULL,
    source             text NOT NULL,
    status             text NOT NULL,
    priority           int,
    severity           text,
    category           text,
    operational_data   jsonb NOT NULL DEFAULT '{}',
    notifications      jsonb NOT NULL DEFAULT '[]',
    related_ops_items  jsonb NOT NULL DEFAULT '[]',
    actual_start_time  timestamptz,
    actual_end_time    timestamptz,
    planned_start_time timestamptz,
    planned_end_time   timestamptz,                    -- an action item's due date
    owner_contact_arn  text,                           -- who is reminded when overdue
    response_plan_arn  text,                           -- the plan of its incident, for metrics
    resolved_at        timestamptz,
    created_by         text NOT NULL,
    created_time       timestamptz NOT NULL,
    last_modified_by   text NOT NULL,
    last_modified_time timestamptz NOT NULL,
    version            int NOT NULL DEFAULT 1
);
CREATE INDEX ops_item_created ON ops_item (created_time, id);
CREATE INDEX ops_item_plan ON ops_item (response_plan_arn) WHERE response_plan_arn IS NOT NULL;

CREATE TABLE ops_item_related_item (
    association_id    text PRIMARY KEY,
    ops_item_id       text NOT NULL REFERENCES ops_item (id) ON DELETE CASCADE,
    association_type  text NOT NULL,
    resource_type     text NOT NULL,
    resource_uri      text NOT NULL,
    created_by        text NOT NULL,
    created_time      timestamptz NOT NULL,
    UNIQUE (ops_item_id, resource_type, resource_uri)
);

-- Reminders for action items past their due date (the shared durable timers).
CREATE TABLE reminder_timer (
    id           text PRIMARY KEY,
    due_at       timestamptz NOT NULL,
    state        text NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'fired', 'cancelled')),
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    ops_item_id  text NOT NULL,
    reminder     int NOT NULL     -- 1 for the first reminder, 2 a day later, ...
);
CREATE INDEX reminder_timer_item ON reminder_timer (ops_item_id) WHERE state = 'pending';
CREATE INDEX reminder_timer_due ON reminder_timer (due_at) WHERE state = 'pending';
CREATE INDEX reminder_timer_finished ON reminder_timer (finished_at) WHERE state <> 'pending';
