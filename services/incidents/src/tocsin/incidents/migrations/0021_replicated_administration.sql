-- Regions: resource policies of response plans, event rules, findings and integration
-- keys are read (and keys accepted) in every region of the replication set. They carry the
-- stamp of their last write (hlc, origin; NULL origin: this region) and, but findings
-- (never deleted), leave tombstones when deleted (shared migration 0003_replicas; the
-- replicas modules of administration, event_rules and findings apply the other regions'
-- events).
ALTER TABLE resource_policy ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER resource_policy_stamp BEFORE INSERT OR UPDATE ON resource_policy
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('policy_id');
CREATE TRIGGER resource_policy_tombstone AFTER DELETE ON resource_policy
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('policy_id');

ALTER TABLE event_rule ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER event_rule_stamp BEFORE INSERT OR UPDATE ON event_rule
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('name');
CREATE TRIGGER event_rule_tombstone AFTER DELETE ON event_rule
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('name');

ALTER TABLE finding ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER finding_stamp BEFORE INSERT OR UPDATE ON finding
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('id');

-- Only the key's digest is stored, and replicated: a key made in one region is accepted in
-- every region of the set. When a webhook last presented it stays each region's own.
ALTER TABLE integration_key ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER integration_key_stamp BEFORE INSERT OR UPDATE ON integration_key
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('id');
CREATE TRIGGER integration_key_tombstone AFTER DELETE ON integration_key
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('id');
