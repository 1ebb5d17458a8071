-- Regions: every region keeps the other regions' open engagements and their timers as
-- standby copies (from the mirrored events), and fires a timer only when it runs its
-- engagement. home_region is where the engagement was started (NULL: this region);
-- fires_here whether this region fires its timers now (its own until another region took
-- it over; another region's once this one took it over). owner_region/owner_epoch: the
-- takeover that decided it (NULL/0: none, the home region runs it).
ALTER TABLE engagement
    ADD COLUMN home_region text,
    ADD COLUMN fires_here boolean NOT NULL DEFAULT true,
    ADD COLUMN owner_region text,
    ADD COLUMN owner_epoch integer NOT NULL DEFAULT 0;

CREATE INDEX engagement_standby ON engagement (home_region)
    WHERE home_region IS NOT NULL AND stopped_at IS NULL;

-- Every takeover known here, this region's and the others': region `region` was lost and
-- `by_region` took over its open engagements (`engagements` of them) under `epoch`, the
-- next of that region's epochs. Recorded in both regions (RegionTakenOver is replicated).
CREATE TABLE takeover (
    region       text NOT NULL,
    epoch        integer NOT NULL,
    by_region    text NOT NULL,
    taken_at     timestamptz NOT NULL,
    engagements  integer NOT NULL,
    PRIMARY KEY (region, epoch, by_region)
);
