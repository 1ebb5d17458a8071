-- Who wrote a custom timeline event: only that principal may edit or delete it. Automatic
-- events, and custom ones written before this column, have none.
ALTER TABLE timeline_event ADD COLUMN created_by text;
