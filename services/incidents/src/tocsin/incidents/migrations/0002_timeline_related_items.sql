-- An incident's timeline: automatic events written by Tocsin at each significant moment,
-- and custom events ("Custom Event", "Note") written by responders.
CREATE TABLE timeline_event (
    incident_arn        text NOT NULL REFERENCES incident_record (arn) ON DELETE CASCADE,
    event_id            uuid NOT NULL,
    event_time          timestamptz NOT NULL,
    event_updated_time  timestamptz NOT NULL,
    event_type          text NOT NULL,
    event_data          text NOT NULL,
    event_references    jsonb NOT NULL DEFAULT '[]'::jsonb,
    automatic           boolean NOT NULL,
    PRIMARY KEY (incident_arn, event_id)
);
-- ListTimelineEvents pages through one incident's events in time order, either way.
CREATE INDEX timeline_event_by_time ON timeline_event (incident_arn, event_time, event_id);

-- Resources, links, metrics and other incidents attached to an incident.
CREATE TABLE related_item (
    incident_arn  text NOT NULL REFERENCES incident_record (arn) ON DELETE CASCADE,
    generated_id  text NOT NULL,
    item_type     text NOT NULL,
    value_key     text NOT NULL,
    item          jsonb NOT NULL,
    added         bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (incident_arn, generated_id),
    -- An item is identified by its type and value: adding it twice is a conflict.
    UNIQUE (incident_arn, item_type, value_key)
);
CREATE INDEX related_item_in_order ON related_item (incident_arn, added);
