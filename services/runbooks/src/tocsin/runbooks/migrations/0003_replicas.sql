-- Regions: documents and executions are read in every region of the replication set. The
-- replicated tables carry the stamp of their last write (hlc, origin; NULL origin: this
-- region), documents and their versions leave tombstones when deleted (shared migration
-- 0003_replicas; tocsin.runbooks.replicas applies the other regions' events).
ALTER TABLE document ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER document_stamp BEFORE INSERT OR UPDATE ON document
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('name');
CREATE TRIGGER document_tombstone AFTER DELETE ON document
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('name');

-- A version converges on its own (two regions adding version 2 apart keep the later one),
-- keyed '<name>/<version>' (set by a trigger rather than generated: the stamp trigger
-- reads it before a generated column would be computed).
ALTER TABLE document_version ADD COLUMN hlc bigint, ADD COLUMN origin text,
    ADD COLUMN key text;
UPDATE document_version SET key = name || '/' || version::text;
ALTER TABLE document_version ALTER COLUMN key SET NOT NULL;
CREATE FUNCTION document_version_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.key := NEW.name || '/' || NEW.version::text;
    RETURN NEW;
END $$;
-- Named to fire before document_version_stamp (triggers fire in name order).
CREATE TRIGGER document_version_key BEFORE INSERT OR UPDATE ON document_version
    FOR EACH ROW EXECUTE FUNCTION document_version_key();
CREATE TRIGGER document_version_stamp BEFORE INSERT OR UPDATE ON document_version
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('key');
CREATE TRIGGER document_version_tombstone AFTER DELETE ON document_version
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('key');

-- An execution runs in the region that started it only (home_region NULL: this one); the
-- others show what it did, and refuse to move it.
ALTER TABLE execution ADD COLUMN hlc bigint, ADD COLUMN origin text,
    ADD COLUMN home_region text;
CREATE TRIGGER execution_stamp BEFORE INSERT OR UPDATE ON execution
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('id');
ALTER TABLE step_execution ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER step_execution_stamp BEFORE INSERT OR UPDATE ON step_execution
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('id');
