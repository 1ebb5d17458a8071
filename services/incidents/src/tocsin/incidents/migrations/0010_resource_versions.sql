-- Each resource's version: 1 when created, one more with each change, bumped by the
-- UPDATE that makes the change, so the events of one resource carry increasing versions
-- (and a reader orders them, or applies them in another region, by it). Rows that exist
-- already start at 1. An incident's related items are versioned as one set, on the record.
ALTER TABLE replication_set ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE response_plan ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE incident_record ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE incident_record ADD COLUMN related_items_version bigint NOT NULL DEFAULT 1;
ALTER TABLE timeline_event ADD COLUMN version bigint NOT NULL DEFAULT 1;
