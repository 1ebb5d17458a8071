-- Regions: the replicated tables carry the stamp of their last write (hlc, origin; NULL
-- origin: this region) and leave tombstones when deleted (shared migration 0003).
ALTER TABLE contact ADD COLUMN hlc bigint, ADD COLUMN origin text;
ALTER TABLE rotation ADD COLUMN hlc bigint, ADD COLUMN origin text;
ALTER TABLE rotation_override ADD COLUMN hlc bigint, ADD COLUMN origin text;
ALTER TABLE engagement ADD COLUMN hlc bigint, ADD COLUMN origin text;
ALTER TABLE page ADD COLUMN hlc bigint, ADD COLUMN origin text;

CREATE TRIGGER contact_stamp BEFORE INSERT OR UPDATE ON contact
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');
CREATE TRIGGER contact_tombstone AFTER DELETE ON contact
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('arn');
CREATE TRIGGER rotation_stamp BEFORE INSERT OR UPDATE ON rotation
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');
CREATE TRIGGER rotation_tombstone AFTER DELETE ON rotation
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('arn');
CREATE TRIGGER rotation_override_stamp BEFORE INSERT OR UPDATE ON rotation_override
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('id');
CREATE TRIGGER rotation_override_tombstone AFTER DELETE ON rotation_override
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('id');
CREATE TRIGGER engagement_stamp BEFORE INSERT OR UPDATE ON engagement
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');
CREATE TRIGGER page_stamp BEFORE INSERT OR UPDATE ON page
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');

-- The region an engagement was started in (NULL: this one). Its stages, retries and
-- timeouts run there: this region only shows it.
ALTER TABLE engagement ADD COLUMN home_region text;
