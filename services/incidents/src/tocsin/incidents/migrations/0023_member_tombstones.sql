-- Regions: an incident's related items (by type and value) and a resource's tags (by key)
-- converge member by member, the latest change of each winning whatever order the
-- changes arrive in (tocsin.incidents.members). Each member carries the stamp of its last
-- write (hlc, origin; NULL origin: this region; shared migration 0003_replicas), and a
-- removed one leaves a tombstone with the removal's stamp, so that an addition older than
-- the removal, arriving after it from a third region, is ignored and a later one wins.
--
-- Tombstones are bounded: those of an incident's related items go with the incident, and
-- every tombstone is pruned after TOCSIN_INBOX_RETENTION_DAYS (at least the 30 days
-- EVENTS_<REGION> keeps an event, so no addition it stands against can still arrive;
-- tocsin.shared.db.retention, run by tocsin.incidents.app).
ALTER TABLE related_item ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER related_item_stamp BEFORE INSERT OR UPDATE ON related_item
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('generated_id');

CREATE TABLE related_item_removed (
    incident_arn  text NOT NULL REFERENCES incident_record (arn) ON DELETE CASCADE,
    item_type     text NOT NULL,
    value_key     text NOT NULL,
    hlc           bigint NOT NULL,
    origin        text,
    removed_at    timestamptz NOT NULL DEFAULT now(),  -- here, for the retention
    PRIMARY KEY (incident_arn, item_type, value_key)
);
CREATE INDEX related_item_removed_age ON related_item_removed (removed_at);

ALTER TABLE tag ADD COLUMN hlc bigint, ADD COLUMN origin text;
CREATE TRIGGER tag_stamp BEFORE INSERT OR UPDATE ON tag
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('resource_arn');

CREATE TABLE tag_removed (
    resource_arn  text NOT NULL,
    key           text NOT NULL,
    hlc           bigint NOT NULL,
    origin        text,
    removed_at    timestamptz NOT NULL DEFAULT now(),
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

-- AFTER DELETE of a related item: its tombstone, unless the incident itself is gone (its
-- deletion cascades to its items, and takes their tombstones with it).
CREATE FUNCTION related_item_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM incident_record WHERE arn = OLD.incident_arn) THEN
        INSERT INTO related_item_removed (incident_arn, item_type, value_key, hlc, origin)
        VALUES (OLD.incident_arn, OLD.item_type, OLD.value_key, replica_write_hlc(),
                nullif(current_setting('tocsin.replica_origin', true), ''))
        ON CONFLICT (incident_arn, item_type, value_key) DO UPDATE
           SET hlc = excluded.hlc, origin = excluded.origin, removed_at = excluded.removed_at;
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER related_item_tombstone AFTER DELETE ON related_item
    FOR EACH ROW EXECUTE FUNCTION related_item_tombstone();

-- AFTER INSERT of a related item: it is back, and its tombstone goes (a write here is
-- later than every stamp seen; one applied from another region is made only when it is
-- later than the tombstone).
CREATE FUNCTION related_item_back() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM related_item_removed
     WHERE incident_arn = NEW.incident_arn AND item_type = NEW.item_type
       AND value_key = NEW.value_key;
    RETURN NULL;
END $$;
CREATE TRIGGER related_item_back AFTER INSERT ON related_item
    FOR EACH ROW EXECUTE FUNCTION related_item_back();

-- The same for tags, by resource and key.
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

CREATE FUNCTION tag_back() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tag_removed WHERE resource_arn = NEW.resource_arn AND key = NEW.key;
    RETURN NULL;
END $$;
CREATE TRIGGER tag_back AFTER INSERT ON tag
    FOR EACH ROW EXECUTE FUNCTION tag_back();
