-- One row per delivery request (its id is the natural key, so a redelivered request is
-- recognised): where it stands, how often it was tried, why it was held back. No address,
-- no code, no message body is kept here: the request itself stays in JetStream until done.
CREATE TABLE delivery (
    id                  text PRIMARY KEY,
    kind                text NOT NULL,
    channel_type        text NOT NULL,
    channel_arn         text NOT NULL,
    contact_arn         text NOT NULL DEFAULT '',
    page_arn            text,
    engagement_arn      text,
    incident_id         text,
    priority            integer NOT NULL,
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sent', 'dead', 'expired')),
    attempts            integer NOT NULL DEFAULT 0,
    provider            text,
    provider_message_id text,
    delay_reason        text,
    expected_send_at    timestamptz,
    last_error          text,
    received_at         timestamptz NOT NULL,
    sent_at             timestamptz,
    finished_at         timestamptz
);

-- Acknowledgement links (and voice key-press callbacks): only the SHA-256 of the token is
-- stored; the page's accept code is sealed with a pad derived from the token, so this
-- table alone acknowledges nothing. One use, then used_at is set for every link of the page.
CREATE TABLE ack_link (
    digest          bytea PRIMARY KEY,
    page_arn        text NOT NULL,
    channel_arn     text NOT NULL,
    delivery_id     text NOT NULL,
    sealed_code     bytea NOT NULL,
    subject         text NOT NULL,
    incident_id     text,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX ack_link_page ON ack_link (page_arn);

-- Which channels and pages went to a phone number, so an inbound SMS (reply with a code,
-- STOP, START) finds them. The number is kept only as its SHA-256.
CREATE TABLE phone_route (
    delivery_id     text PRIMARY KEY,
    address_digest  bytea NOT NULL,
    channel_arn     text NOT NULL,
    channel_type    text NOT NULL,
    page_arn        text,
    sent_at         timestamptz NOT NULL
);
CREATE INDEX phone_route_address ON phone_route (address_digest, sent_at DESC);

-- Channels deactivated because their owner texted STOP; START reactivates only these.
CREATE TABLE opt_out (
    address_digest  bytea NOT NULL,
    channel_arn     text NOT NULL,
    at              timestamptz NOT NULL,
    PRIMARY KEY (address_digest, channel_arn)
);

-- Receipts for the contacts service, written with the outcome they report and sent by
-- the receipt reporter (RecordPageReceipt is idempotent, so a resend is harmless).
CREATE TABLE receipt_outbox (
    seq             bigserial PRIMARY KEY,
    page_arn        text NOT NULL,
    channel_arn     text,
    receipt_type    text NOT NULL,
    receipt_info    text,
    receipt_time    timestamptz NOT NULL
);
