-- Engagements, their pages and the pages' receipts.
--
-- No foreign key points at contact or contact_channel: an engagement is history, and
-- deleting a contact or a channel must neither fail because it was once paged nor erase
-- the record of that page.

CREATE TABLE engagement (
    arn                    text PRIMARY KEY,
    contact_arn            text NOT NULL,
    contact_type           text NOT NULL,
    sender                 text NOT NULL,
    subject                text NOT NULL,
    content                text NOT NULL,
    public_subject         text,
    public_content         text,
    incident_id            text,
    start_time             timestamptz NOT NULL,
    stop_time              timestamptz,
    stop_reason            text,
    -- Set by an acknowledgement (READ) of an essential contact: no later stage starts.
    progression_stopped_time  timestamptz,
    progression_stopped_by    text,
    -- The resolved plan: stages with durations, the targets as configured, and whom
    -- they resolved to (tocsin.contacts.engagements_store.Stage).
    plan                   jsonb NOT NULL
);

CREATE INDEX engagement_newest ON engagement (start_time DESC, arn DESC);
CREATE INDEX engagement_by_incident ON engagement (incident_id, start_time DESC, arn DESC)
    WHERE incident_id IS NOT NULL;

-- The stages whose pages exist: StartEngagementStage runs each stage once.
CREATE TABLE engagement_stage (
    engagement_arn  text NOT NULL REFERENCES engagement (arn) ON DELETE CASCADE,
    stage_index     integer NOT NULL,
    start_time      timestamptz NOT NULL,
    PRIMARY KEY (engagement_arn, stage_index)
);

CREATE TABLE page (
    arn               text PRIMARY KEY,
    engagement_arn    text NOT NULL REFERENCES engagement (arn) ON DELETE CASCADE,
    contact_arn       text NOT NULL,
    stage_index       integer NOT NULL,
    is_essential      boolean NOT NULL,
    -- The escalation plan / on-call schedule contacts the page was resolved through.
    via               text[] NOT NULL DEFAULT '{}',
    -- SHA-256 of '<page arn>:<accept code>' for each code sent with the page (one per
    -- stage that sent to it); any of them accepts. The codes themselves are never stored.
    accept_code_hashes  bytea[] NOT NULL,
    sent_time         timestamptz NOT NULL,
    delivery_time     timestamptz,
    read_time         timestamptz,
    UNIQUE (engagement_arn, stage_index, contact_arn)
);

CREATE INDEX page_by_contact ON page (contact_arn, sent_time DESC, arn DESC);
CREATE INDEX page_by_engagement ON page (engagement_arn, sent_time, arn);

CREATE TABLE page_receipt (
    seq                  bigserial PRIMARY KEY,
    page_arn             text NOT NULL REFERENCES page (arn) ON DELETE CASCADE,
    receipt_type         text NOT NULL
        CHECK (receipt_type IN ('DELIVERED', 'ERROR', 'READ', 'SENT', 'STOP')),
    contact_channel_arn  text,
    receipt_info         text,
    receipt_time         timestamptz NOT NULL
);

-- RecordPageReceipt is idempotent per page, type, channel, info and time.
CREATE UNIQUE INDEX page_receipt_once ON page_receipt
    (page_arn, receipt_type, coalesce(contact_channel_arn, ''), coalesce(receipt_info, ''),
     receipt_time);
CREATE INDEX page_receipt_by_page ON page_receipt (page_arn, receipt_time, seq);
