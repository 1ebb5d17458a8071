-- Contacts (personal contacts, escalation plans, on-call schedules). The alias is in the
-- ARN, unique and immutable; so is the type. `plan` is the Plan as GetContact returns it
-- ({"Stages": [...]} and, for on-call schedules, "RotationIds"), checked when written;
-- references in it are not foreign keys: DeleteContact leaves other plans as they are.
CREATE TABLE contact (
    arn           text PRIMARY KEY,
    alias         text NOT NULL UNIQUE,
    type          text NOT NULL CHECK (type IN ('PERSONAL', 'ESCALATION', 'ONCALL_SCHEDULE')),
    display_name  text,
    plan          jsonb NOT NULL,
    created_at    timestamptz NOT NULL
);

-- ListContacts pages by alias, with AliasPrefix as a range on the same order.
CREATE INDEX contact_alias_c ON contact (alias COLLATE "C");

-- Contact channels of PERSONAL contacts; they go with their contact. Only an ACTIVATED
-- channel may ever be engaged. `position` is the order ListContactChannels returns.
CREATE TABLE contact_channel (
    arn                text PRIMARY KEY,
    contact_arn        text NOT NULL REFERENCES contact (arn) ON DELETE CASCADE,
    name               text NOT NULL,
    type               text NOT NULL CHECK (type IN ('EMAIL', 'SMS', 'VOICE')),
    address            text NOT NULL,
    activation_status  text NOT NULL DEFAULT 'NOT_ACTIVATED'
                       CHECK (activation_status IN ('ACTIVATED', 'NOT_ACTIVATED')),
    position           bigint GENERATED ALWAYS AS IDENTITY,
    created_at         timestamptz NOT NULL,
    UNIQUE (contact_arn, name)
);

CREATE INDEX contact_channel_by_contact ON contact_channel (contact_arn, position);

-- The one pending activation code of a channel: never the code itself, only its scrypt
-- digest under a per-code salt. It is void once used, expired, replaced, or after too
-- many wrong attempts.
CREATE TABLE activation_code (
    channel_arn      text PRIMARY KEY REFERENCES contact_channel (arn) ON DELETE CASCADE,
    salt             bytea NOT NULL,
    digest           bytea NOT NULL,
    expires_at       timestamptz NOT NULL,
    failed_attempts  integer NOT NULL DEFAULT 0
);

-- When codes were sent to each channel, for the rate limit (rows older than the window
-- are pruned as new codes are sent).
CREATE TABLE activation_code_sent (
    channel_arn  text NOT NULL REFERENCES contact_channel (arn) ON DELETE CASCADE,
    sent_at      timestamptz NOT NULL
);

CREATE INDEX activation_code_sent_by_channel ON activation_code_sent (channel_arn, sent_at);
