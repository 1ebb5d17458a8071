-- Regions: every row a service replicates carries the stamp of its last write, so that
-- concurrent writes of one resource in two regions converge (last writer wins by a hybrid
-- logical clock, the region breaking ties; tocsin.shared.replication.stamps).
--
-- The clock: microseconds since the epoch, never behind the highest stamp this schema has
-- written or applied (hlc_observe), so a write made after seeing another's stamps higher.
-- One stamp per transaction (the transaction-local setting tocsin.hlc), so the events the
-- transaction emits carry the stamp its rows got (tocsin.shared.events.emit reads it).
CREATE SEQUENCE hlc;

CREATE FUNCTION hlc_now() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    stamp bigint := nullif(current_setting('tocsin.hlc', true), '')::bigint;
    wall bigint;
BEGIN
    IF stamp IS NULL THEN
        wall := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
        stamp := nextval('hlc');
        IF stamp < wall THEN
            stamp := wall;
            PERFORM setval('hlc', wall);
        END IF;
        PERFORM set_config('tocsin.hlc', stamp::text, true);
    END IF;
    RETURN stamp;
END $$;

-- A stamp seen from another region: this schema's next stamps are later.
CREATE FUNCTION hlc_observe(stamp bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF stamp > (SELECT last_value FROM hlc) THEN
        PERFORM setval('hlc', stamp);
    END IF;
END $$;

-- Resources deleted, by table and key: a deletion wins over a concurrent update that
-- arrives from another region after it (a later re-creation lifts it).
CREATE TABLE replica_tombstone (
    kind    text NOT NULL,
    key     text NOT NULL,
    hlc     bigint NOT NULL,
    origin  text,
    PRIMARY KEY (kind, key)
);

-- The columns that count a resource's changes rather than make one: an update of these
-- alone (a version bumped for a change of the resource's tags, say) is no write of it.
CREATE FUNCTION replica_content(r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT r - 'hlc' - 'origin' - 'version' - 'related_items_version'
$$;

-- BEFORE INSERT OR UPDATE of a replicated table (argument: its key column). A local write
-- gets this transaction's stamp (later than the row's, so causality holds per resource)
-- and no origin (this region); a write applied from another region (the transaction-local
-- tocsin.replica_origin set) keeps the origin's stamp. A local insert lifts a tombstone.
CREATE FUNCTION replica_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    origin text := nullif(current_setting('tocsin.replica_origin', true), '');
BEGIN
    IF origin IS NOT NULL THEN
        NEW.hlc := current_setting('tocsin.replica_hlc')::bigint;
        NEW.origin := origin;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND replica_content(to_jsonb(NEW)) = replica_content(to_jsonb(OLD)) THEN
        NEW.hlc := OLD.hlc;
        NEW.origin := OLD.origin;
        RETURN NEW;
    END IF;
    NEW.hlc := hlc_now();
    IF TG_OP = 'UPDATE' AND OLD.hlc IS NOT NULL AND NEW.hlc <= OLD.hlc THEN
        NEW.hlc := OLD.hlc + 1;
        PERFORM set_config('tocsin.hlc', NEW.hlc::text, true);
        PERFORM hlc_observe(NEW.hlc);
    END IF;
    NEW.origin := NULL;
    IF TG_OP = 'INSERT' THEN
        DELETE FROM replica_tombstone
         WHERE kind = TG_TABLE_NAME AND key = to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
    RETURN NEW;
END $$;

-- AFTER DELETE of a replicated table (argument: its key column): the tombstone.
CREATE FUNCTION replica_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    origin text := nullif(current_setting('tocsin.replica_origin', true), '');
    stamp bigint;
BEGIN
    IF origin IS NOT NULL THEN
        stamp := current_setting('tocsin.replica_hlc')::bigint;
    ELSE
        stamp := hlc_now();
    END IF;
    INSERT INTO replica_tombstone (kind, key, hlc, origin)
    VALUES (TG_TABLE_NAME, to_jsonb(OLD) ->> TG_ARGV[0], stamp, origin)
    ON CONFLICT (kind, key) DO UPDATE SET hlc = excluded.hlc, origin = excluded.origin
     WHERE replica_tombstone.hlc < excluded.hlc;
    RETURN OLD;
END $$;

-- A table joins replication with:
--   ALTER TABLE t ADD COLUMN hlc bigint, ADD COLUMN origin text;
--   CREATE TRIGGER t_stamp BEFORE INSERT OR UPDATE ON t
--       FOR EACH ROW EXECUTE FUNCTION replica_stamp('<key column>');
--   CREATE TRIGGER t_tombstone AFTER DELETE ON t
--       FOR EACH ROW EXECUTE FUNCTION replica_tombstone('<key column>');
