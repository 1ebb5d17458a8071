-- Regions: the data keys of the other regions of the replication set, received wrapped in
-- their DataKeyShared events, beside this region's own (region NULL). They are never
-- current here: this region seals under its own key, and opens what any region sealed.
-- hlc: the stamp of the wrapping held, so a later re-wrap replaces an earlier one.
ALTER TABLE data_key ADD COLUMN region text, ADD COLUMN hlc bigint;
