-- Regions: analyses with their timelines, and OpsItems (action items) with their related
-- items, are read in every region of the replication set. The replicated tables carry the
-- stamp of their last write (hlc, origin; NULL origin: this region); analyses and their
-- timeline points leave tombstones when deleted (shared migration 0003_replicas;
-- tocsin.analysis.replicas applies the other regions' events).
ALTER TABLE analysis ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER analysis_stamp BEFORE INSERT OR UPDATE ON analysis
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');
CREATE TRIGGER analysis_tombstone AFTER DELETE ON analysis
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('arn');

-- An analysis converges member by member: the stamp of each attribute's last change, and
-- of each entry of its maps (an answer, a decision, an overview field, a checklist item:
-- {"name": [hlc, origin], "answers.ID2": [hlc, origin]}, a NULL origin for this region;
-- "last_modified" for the last change of any), so that two regions answering different
-- questions of one analysis keep both answers.
ALTER TABLE analysis ADD COLUMN field_hlc jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE FUNCTION analysis_fields() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := to_jsonb(OLD);
    new_row jsonb := to_jsonb(NEW);
    stamp jsonb;
    c text;
    k text;
BEGIN
    IF nullif(current_setting('tocsin.replica_origin', true), '') IS NOT NULL
       OR NEW.hlc IS NOT DISTINCT FROM OLD.hlc THEN
        RETURN NEW;  -- applied from another region (it sets them), or no change of it
    END IF;
    stamp := jsonb_build_array(NEW.hlc, NULL);
    NEW.field_hlc := jsonb_set(NEW.field_hlc, ARRAY['last_modified'], stamp);
    FOREACH c IN ARRAY ARRAY['name', 'status', 'metric_queries', 'impact_started', 'detected',
                             'mitigated', 'completed_by', 'completed_at',
                             'completed_with_open_items'] LOOP
        IF new_row -> c IS DISTINCT FROM old_row -> c THEN
            NEW.field_hlc := jsonb_set(NEW.field_hlc, ARRAY[c], stamp);
        END IF;
    END LOOP;
    FOREACH c IN ARRAY ARRAY['overview', 'answers', 'decisions', 'checklist'] LOOP
        FOR k IN SELECT jsonb_object_keys(new_row -> c)
                 UNION SELECT jsonb_object_keys(old_row -> c) LOOP
            IF new_row -> c -> k IS DISTINCT FROM old_row -> c -> k THEN
                NEW.field_hlc := jsonb_set(NEW.field_hlc, ARRAY[c || '.' || k], stamp);
            END IF;
        END LOOP;
    END LOOP;
    RETURN NEW;
END $$;

-- Named to fire after analysis_stamp (triggers fire in name order).
CREATE TRIGGER analysis_stamp_fields BEFORE UPDATE ON analysis
    FOR EACH ROW EXECUTE FUNCTION analysis_fields();

ALTER TABLE analysis_timeline ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER analysis_timeline_stamp BEFORE INSERT OR UPDATE ON analysis_timeline
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('point_id');
CREATE TRIGGER analysis_timeline_tombstone AFTER DELETE ON analysis_timeline
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('point_id');

-- home_region: the region that made it (NULL: this one), named in its ARN; it reminds the
-- owner of an overdue action item.
ALTER TABLE ops_item ADD COLUMN hlc bigint, ADD COLUMN origin text, ADD COLUMN home_region text;
CREATE TRIGGER ops_item_stamp BEFORE INSERT OR UPDATE ON ops_item
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('id');

ALTER TABLE ops_item_related_item ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER ops_item_related_item_stamp BEFORE INSERT OR UPDATE ON ops_item_related_item
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('association_id');
