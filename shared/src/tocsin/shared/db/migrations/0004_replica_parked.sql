-- Regions: an event of another region that belongs to a resource this region does not hold
-- yet, kept until the resource arrives (tocsin.shared.replication.parked). A region reads
-- each other region's stream on its own, so a third region can receive one region's
-- timeline event of an incident before the creation of the incident, still on its way from
-- the region that opened it: nothing of it may be lost, nor applied before its resource.
CREATE TABLE replica_parked (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer    text NOT NULL,      -- the inbox that received it, and applies it later
    kind        text NOT NULL,      -- the table of the resource it waits for
    key_column  text NOT NULL,      -- and that table's key column
    key         text NOT NULL,
    envelope    bytea NOT NULL,     -- the event as its region published it
    parked_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX replica_parked_waits ON replica_parked (consumer, kind, key_column);
