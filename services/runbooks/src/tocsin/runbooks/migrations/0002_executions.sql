-- Automation executions and their step executions. Every main step has a row from the
-- start (Pending); the steps of an aws:loop's iterations get rows as they run (parent_id).
-- Each transition locks the execution row (FOR UPDATE) and commits with the outbox event
-- that drives what comes next.
CREATE TABLE execution (
    id                 text PRIMARY KEY,
    document_name      text NOT NULL,
    document_version   text NOT NULL,
    document           jsonb NOT NULL,      -- the parsed document version it runs
    status             text NOT NULL,
    mode               text NOT NULL,
    parameters         jsonb NOT NULL,      -- typed values
    parameters_echo    jsonb NOT NULL,      -- map<string, list<string>> as AWS echoes it
    variables          jsonb NOT NULL,
    step_outputs       jsonb NOT NULL DEFAULT '{}',  -- "step.Output" -> typed value
    outputs            jsonb NOT NULL DEFAULT '{}',  -- the runbook's outputs, list form
    current_step       text,
    current_action     text,
    critical_failed    boolean NOT NULL DEFAULT false,
    failure_message    text,
    executed_by        text NOT NULL,
    parent_id          text,
    incident_arn       text,
    tags               jsonb NOT NULL DEFAULT '{}',
    start_time         timestamptz NOT NULL,
    end_time           timestamptz
);

CREATE INDEX execution_start ON execution (start_time DESC, id);
CREATE INDEX execution_parent ON execution (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE step_execution (
    id                 text PRIMARY KEY,
    execution_id       text NOT NULL REFERENCES execution (id) ON DELETE CASCADE,
    ordinal            integer NOT NULL,     -- order of the rows of one execution
    step_index         integer NOT NULL,     -- position in mainSteps (or in the loop's Steps)
    name               text NOT NULL,
    action             text NOT NULL,
    status             text NOT NULL,
    attempt            integer NOT NULL DEFAULT 0,
    claimed_by         text,                 -- the instance running the current attempt
    lease_until        timestamptz,          -- renewed while it runs; past: it died
    inputs             jsonb,
    outputs            jsonb,
    response           text,
    failure_message    text,
    failure_details    jsonb,
    decisions          jsonb NOT NULL DEFAULT '[]',  -- aws:approve decisions
    state              jsonb NOT NULL DEFAULT '{}',  -- aws:loop iteration, child execution
    parent_id          text,                 -- the aws:loop step execution
    iteration          integer,
    iterator_value     text,
    start_time         timestamptz,
    end_time           timestamptz,
    UNIQUE (execution_id, ordinal)
);

CREATE INDEX step_execution_claimed ON step_execution (lease_until)
    WHERE claimed_by IS NOT NULL AND status = 'InProgress';

CREATE TABLE client_start (
    token         text PRIMARY KEY,
    fingerprint   text NOT NULL,
    execution_id  text NOT NULL
);

-- Durable timers (tocsin.shared.timers.TABLE_TEMPLATE): a sleep's end, an approval's or a
-- step's timeout, the backoff before a step's next attempt.
CREATE TABLE runbook_timer (
    id                 text PRIMARY KEY,
    due_at             timestamptz NOT NULL,
    state              text NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'fired', 'cancelled')),
    created_at         timestamptz NOT NULL,
    finished_at        timestamptz,
    execution_id       text NOT NULL,
    step_execution_id  text NOT NULL,
    kind               text NOT NULL,        -- SLEEP_DONE, TIMEOUT, RETRY
    attempt            integer NOT NULL
);
CREATE INDEX runbook_timer_due ON runbook_timer (due_at) WHERE state = 'pending';
CREATE INDEX runbook_timer_finished ON runbook_timer (finished_at) WHERE state <> 'pending';
CREATE INDEX runbook_timer_step ON runbook_timer (step_execution_id) WHERE state = 'pending';
