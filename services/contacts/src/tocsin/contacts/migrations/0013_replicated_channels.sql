-- Regions: contact channels replicate like contacts (the stamp of their last write, a
-- tombstone when deleted); their address travels sealed, as it is stored, and opens in
-- every region of the set (the data keys are shared, wrapped).
ALTER TABLE contact_channel ADD COLUMN hlc bigint, ADD COLUMN origin text;

CREATE TRIGGER contact_channel_stamp BEFORE INSERT OR UPDATE ON contact_channel
    FOR EACH ROW EXECUTE FUNCTION replica_stamp('arn');
CREATE TRIGGER contact_channel_tombstone AFTER DELETE ON contact_channel
    FOR EACH ROW EXECUTE FUNCTION replica_tombstone('arn');

-- The keyed blind index of a channel's address (HMAC-SHA256 under the data key that sealed
-- it): a number that texts Tocsin finds its channels, in whichever region they were made,
-- without any address being stored in plaintext. NULL for rows sealed before it (set
-- again with the address's next change).
ALTER TABLE contact_channel ADD COLUMN address_index bytea;
CREATE INDEX contact_channel_by_address_index ON contact_channel (address_index)
    WHERE address_index IS NOT NULL;

-- Wrong accept codes tried on a page in other regions of the set, as each region last
-- reported its own count (PageCodeRefused): a page's codes are void after MAX_WRONG_CODES
-- wrong codes in all regions together.
CREATE TABLE page_wrong_code (
    page_arn  text NOT NULL REFERENCES page (arn) ON DELETE CASCADE,
    region    text NOT NULL,
    count     integer NOT NULL,
    PRIMARY KEY (page_arn, region)
);
