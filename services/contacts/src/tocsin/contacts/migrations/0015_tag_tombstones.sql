-- Regions: the tags of contacts and rotations converge key by key, the latest change of
-- each key winning whatever order the changes arrive in (tocsin.shared.replication.tags),
-- as the incidents service's tags do (its migration 0023_member_tombstones, whose tag
-- triggers these are). Each tag carries the stamp of its last write (hlc, origin; NULL
-- origin: this region; shared migration 0003_replicas), and a removed key leaves a
-- tombstone with the removal's stamp, so that an addition older than the removal,
-- arriving after it from a third region, is ignored and a later one wins.
--
-- Tombstones are pruned after TOCSIN_INBOX_RETENTION_DAYS (tocsin.contacts.app): by then
-- no addition they stand against can still arrive.
ALTER TABLE tag ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER tag_stamp BEFORE INSERT OR UPDATE ON tag
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('resource_arn');

CREATE TABLE tag_removed (
    resource_arn  text NOT NULL,
    key           text NOT NULL,
    hlc           bigint NOT NULL,
    origin        text,
    removed_at    timestamptz NOT NULL DEFAULT now(),  -- here, for the retention
    PRIMARY KEY (resource_arn, key)
);
CREATE INDEX tag_removed_age ON tag_removed (removed_at);

-- The stamp of this transaction's write: the origin's when applying another region's
-- event (the settings tocsin.shared.replication.stamps.applying makes), else this
-- region's clock.
CREATE FUNCTION replica_write_hlc() RETURNS bigint LANGUAGE sql AS $$
    SELECT CASE WHEN nullif(current_setting('tocsin.replica_origin', true), '') IS NULL
                THEN hlc_now()
                ELSE current_setting('tocsin.replica_hlc')::bigint END
$$;

-- AFTER DELETE of a tag: its tombstone (a contact's or rotation's deletion takes its tags
-- with it, and leaves theirs).
CREATE FUNCTION tag_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tag_removed (resource_arn, key, hlc, origin)
    VALUES (OLD.resource_arn, OLD.key, replica_write_hlc(),
            nullif(current_setting('tocsin.replica_origin', true), ''))
    ON CONFLICT (resource_arn, key) DO UPDATE
       SET hlc = excluded.hlc, origin = excluded.origin, removed_at = excluded.removed_at;
    RETURN OLD;
END $$;
CREATE TRIGGER tag_tombstone AFTER DELETE ON tag
    FOR EACH ROW EXECUTE FUNCTION tag_tombstone();

-- AFTER INSERT of a tag: it is back, and its tombstone goes (a write here is later than
-- every stamp seen; one applied from another region is made only when it is later than
-- the tombstone).
CREATE FUNCTION tag_back() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tag_removed WHERE resource_arn = NEW.resource_arn AND key = NEW.key;
    RETURN NULL;
END $$;
CREATE TRIGGER tag_back AFTER INSERT ON tag
    FOR EACH ROW EXECUTE FUNCTION tag_back();
