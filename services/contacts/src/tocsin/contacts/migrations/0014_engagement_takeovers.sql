-- Regions: the region that runs each engagement taken over from a lost region, by the
-- latest takeover known here (the escalation service's RegionTakenOver, of this region
-- or another: a higher epoch wins, then the greater region). The region running an
-- engagement is the only one whose contacts service starts its stages and sends its pages
-- again; an engagement with no row here runs in the region it was started in. A row may
-- come before its engagement does (no foreign key): a takeover is heard from another
-- region's stream, the engagement from its home region's.
CREATE TABLE engagement_takeover (
    engagement_arn  text PRIMARY KEY,
    region          text NOT NULL,
    epoch           integer NOT NULL,
    lost_region     text NOT NULL
);
