-- The send under way, committed before a message is handed to a provider and cleared with
-- its outcome: a redelivered request that still has one was interrupted between the
-- provider's acceptance and that record (its process died), so it is sent again with the
-- same Message-ID (or idempotency key) and counted in resends.
ALTER TABLE delivery
    ADD COLUMN sending_provider text,
    ADD COLUMN sending_since    timestamptz,
    ADD COLUMN resends          integer NOT NULL DEFAULT 0,
    -- The waiting reason last reported to the contacts service as a page receipt, so a
    -- request held back again for the same reason adds no second receipt.
    ADD COLUMN reported_wait    text;

-- DescribeDelivery by page ARN.
CREATE INDEX delivery_page ON delivery (page_arn) WHERE page_arn IS NOT NULL;

-- A page's waiting reason travels as an ERROR receipt marked as a wait, so the contacts
-- service starts no channel retry for it.
ALTER TABLE receipt_outbox ADD COLUMN waiting boolean NOT NULL DEFAULT false;
