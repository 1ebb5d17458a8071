-- Resource policies of response plans (PutResourcePolicy): stored as the caller sent them.
-- They go with their plan; DeleteReplicationSet truncates this table with the others.
CREATE TABLE resource_policy (
    policy_id  text PRIMARY KEY,
    plan_name  text NOT NULL REFERENCES response_plan (name) ON DELETE CASCADE,
    position   bigint GENERATED ALWAYS AS IDENTITY,
    document   text NOT NULL
);

-- GetResourcePolicies pages through a plan's policies in the order they were put.
CREATE INDEX resource_policy_by_plan ON resource_policy (plan_name, position);
