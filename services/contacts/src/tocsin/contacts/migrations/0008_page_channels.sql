-- The channels each page was sent on, written with the delivery requests: a page reached
-- nobody once every one of them is in page_channel_failed. (SENT receipts can't tell it:
-- they come from the notifications service only once a provider accepted the message.)
CREATE TABLE page_channel (
    page_arn     text NOT NULL REFERENCES page (arn) ON DELETE CASCADE,
    channel_arn  text NOT NULL,
    PRIMARY KEY (page_arn, channel_arn)
);

-- Pages requested before this migration had a SENT receipt per channel from the start.
INSERT INTO page_channel (page_arn, channel_arn)
SELECT DISTINCT page_arn, contact_channel_arn FROM page_receipt
 WHERE receipt_type = 'SENT' AND contact_channel_arn IS NOT NULL
ON CONFLICT DO NOTHING;
