-- Regions: an execution of a lost region is taken over by the region that takes that one
-- over (tocsin.runbooks.takeovers). Every region keeps standby copies of every execution's
-- pending timers (the same ids and due times, in runbook_timer); a timer fires, and an
-- execution moves, only in the region that runs it by the takeovers known here.

-- Every takeover known here (the escalation service's RegionTakenOver, this region's and
-- the others'): region `region` was lost and `by_region` took over its work under `epoch`.
CREATE TABLE region_takeover (
    region     text NOT NULL,
    epoch      integer NOT NULL,
    by_region  text NOT NULL,
    taken_at   timestamptz NOT NULL,
    PRIMARY KEY (region, epoch, by_region)
);

-- The region that runs an execution (NULL: this one; no row: its own region, this one),
-- under which takeover's epoch (0: none); taken_from, the region this one took it over
-- from while it has yet to go on with its steps (the lease sweep does). Kept apart from
-- the execution row, which is replicated: who runs it is each region's own decision.
CREATE TABLE execution_runner (
    execution_id  text PRIMARY KEY REFERENCES execution (id) ON DELETE CASCADE,
    region        text,
    epoch         integer NOT NULL DEFAULT 0,
    taken_from    text
);
CREATE INDEX execution_runner_taken ON execution_runner (execution_id)
    WHERE taken_from IS NOT NULL;
INSERT INTO execution_runner (execution_id, region)
    SELECT id, home_region FROM execution WHERE home_region IS NOT NULL;

-- claimed_by 'held': a control action took the step up and waits for its timer or its
-- child execution (a region taking the execution over must not start it again). The
-- steps of this region's executions running before this migration, told by what they
-- wait for (the other regions' show the marker with their next transition).
UPDATE step_execution s SET claimed_by = 'held'
    WHERE s.status = 'InProgress' AND s.claimed_by IS NULL
    AND EXISTS (SELECT 1 FROM execution e WHERE e.id = s.execution_id
                AND e.home_region IS NULL) AND (
        (s.action = 'aws:loop' AND s.state ? 'iteration')
        OR (s.action = 'aws:executeAutomation' AND s.state ? 'child')
        OR (s.action = 'aws:sleep' AND EXISTS (
            SELECT 1 FROM runbook_timer t WHERE t.step_execution_id = s.id
            AND t.attempt = s.attempt AND t.kind = 'SLEEP_DONE' AND t.state = 'pending')));
