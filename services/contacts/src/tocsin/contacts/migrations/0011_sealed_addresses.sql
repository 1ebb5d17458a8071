-- Encryption at rest: a channel's address is kept only sealed under the replication set's
-- data key (AES-GCM, bound to the channel's ARN). The plaintext column stays nullable for
-- rows written before: the service seals them at start-up (seal_plaintext_addresses), as
-- SQL alone has no key to do it with, and reads a row that still has one as it is.
ALTER TABLE contact_channel
    ADD COLUMN address_sealed bytea,
    ALTER COLUMN address DROP NOT NULL;

ALTER TABLE contact_channel ADD CONSTRAINT contact_channel_has_address
    CHECK (address IS NOT NULL OR address_sealed IS NOT NULL);
