-- Regions: the region that runs each engagement taken over from a lost region, by the
-- latest takeover known here (the escalation service's RegionTakenOver, of this region
-- or another: a higher epoch wins, then the greater region), as the contacts service
-- keeps it (its migration 0014). The region running an engagement is the only one whose
-- incidents service engages its contact again after an acknowledgement timeout; an
-- engagement with no row here runs in the region it was started in. Engagements are the
-- contacts service's: no foreign key.
CREATE TABLE engagement_takeover (
    engagement_arn  text PRIMARY KEY,
    region          text NOT NULL,
    epoch           integer NOT NULL,
    lost_region     text NOT NULL
);
