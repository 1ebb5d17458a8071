-- A page reached through an escalation plan or schedule follows the paged contact's own
-- engagement plan: one PAGE_STAGE timer per later stage of it (stage_index is that stage).
ALTER TABLE timer DROP CONSTRAINT timer_kind;
ALTER TABLE timer ADD CONSTRAINT timer_kind CHECK (kind IN
    ('START_ENGAGEMENT_STAGE', 'PAGE_STAGE', 'RETRY_CHANNEL', 'ACKNOWLEDGEMENT_TIMEOUT'));
