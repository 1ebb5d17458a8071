-- Regions: a region is taken over once per loss, even when none of its engagements is
-- open (the analysis service's action-item reminders follow RegionTakenOver too). When a
-- takeover was recorded here, by this database's clock, tells whether the region has been
-- heard from since: a takeover recorded after the region was last heard covers this loss.
ALTER TABLE takeover ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
