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
