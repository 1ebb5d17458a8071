-- Each resource counts its changes: the version its events carry, bumped in the same
-- statement that changes the row, so a subscriber (a dashboard, another region) applies
-- one resource's changes in order. Existing rows start at 1, like new ones.
ALTER TABLE contact ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE contact_channel ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE rotation ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE engagement ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE page ADD COLUMN version bigint NOT NULL DEFAULT 1;
