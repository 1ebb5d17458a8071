-- Regions: an action item's reminders survive the loss of the region that reminds its
-- owner (tocsin.analysis.takeovers). Every region keeps a copy of every open action item's
-- pending reminder (the same id and due time); a copy fires only where reminder_runner
-- says this region reminds the item's owner: its own region, or the region that took that
-- one over.

-- Every takeover known here (the escalation service's RegionTakenOver, this region's and
-- the others'): region `region` was lost and `by_region` took over its work under `epoch`.
CREATE TABLE region_takeover (
    region     text NOT NULL,
    epoch      integer NOT NULL,
    by_region  text NOT NULL,
    taken_at   timestamptz NOT NULL,
    PRIMARY KEY (region, epoch, by_region)
);

-- Which region reminds an action item's owner (NULL: this one), by the takeovers known
-- here, and under which takeover's epoch (0: none, its own region).
CREATE TABLE reminder_runner (
    ops_item_id  text PRIMARY KEY REFERENCES ops_item (id) ON DELETE CASCADE,
    region       text,
    epoch        integer NOT NULL DEFAULT 0,
    fires_here   boolean NOT NULL
);
INSERT INTO reminder_runner (ops_item_id, region, fires_here)
    SELECT id, home_region, home_region IS NULL FROM ops_item;
