-- Regions: the replicated tables carry the stamp of their last write (hlc, origin; NULL
-- origin: this region) and leave tombstones when deleted (shared migration 0003).
ALTER TABLE replication_set ADD COLUMN hlc bigint, ADD COLUMN origin text;
ALTER TABLE response_plan ADD COLUMN hlc bigint, ADD COLUMN origin text;
ALTER TABLE incident_record ADD COLUMN hlc bigint, ADD COLUMN origin text;
ALTER TABLE timeline_event ADD COLUMN hlc bigint, ADD COLUMN origin text;

CREATE TRIGGER replication_set_stamp BEFORE INSERT OR UPDATE ON replication_set
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');
CREATE TRIGGER replication_set_tombstone AFTER DELETE ON replication_set
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('arn');
CREATE TRIGGER response_plan_stamp BEFORE INSERT OR UPDATE ON response_plan
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('name');
CREATE TRIGGER response_plan_tombstone AFTER DELETE ON response_plan
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('name');
CREATE TRIGGER incident_record_stamp BEFORE INSERT OR UPDATE ON incident_record
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');
CREATE TRIGGER incident_record_tombstone AFTER DELETE ON incident_record
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('arn');
CREATE TRIGGER timeline_event_stamp BEFORE INSERT OR UPDATE ON timeline_event
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('event_id');
CREATE TRIGGER timeline_event_tombstone AFTER DELETE ON timeline_event
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('event_id');

-- The region an incident was opened in (NULL: this one). Alarms dedupe per region: an
-- incident another region opened for the same alarm is kept beside this region's own
-- (merging the two once both are known is the dedupe's cross-region step).
ALTER TABLE incident_record ADD COLUMN home_region text;
DROP INDEX incident_record_open_dedupe;
CREATE UNIQUE INDEX incident_record_open_dedupe
    ON incident_record (plan_name, dedupe_string) WHERE status = 'OPEN' AND home_region IS NULL;

-- An incident record's attributes converge one by one: the stamp of each top-level member
-- of its document's last change ({"title": [hlc, origin]}, a NULL origin for this region),
-- so that one region resolving an incident while another retitles it keeps both.
ALTER TABLE incident_record ADD COLUMN field_hlc jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE FUNCTION incident_record_fields() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    k text;
BEGIN
    IF nullif(current_setting('tocsin.replica_origin', true), '') IS NOT NULL
       OR NEW.hlc IS NOT DISTINCT FROM OLD.hlc THEN
        RETURN NEW;  -- applied from another region (it sets them), or no change of it
    END IF;
    FOR k IN SELECT jsonb_object_keys(NEW.doc) UNION SELECT jsonb_object_keys(OLD.doc) LOOP
        IF NEW.doc -> k IS DISTINCT FROM OLD.doc -> k THEN
            NEW.field_hlc := jsonb_set(NEW.field_hlc, ARRAY[k],
                                       jsonb_build_array(NEW.hlc, NULL));
        END IF;
    END LOOP;
    RETURN NEW;
END $$;

-- Named to fire after incident_record_stamp (triggers fire in name order).
CREATE TRIGGER incident_record_stamp_fields BEFORE UPDATE ON incident_record
    FOR EACH ROW EXECUTE FUNCTION incident_record_fields();
