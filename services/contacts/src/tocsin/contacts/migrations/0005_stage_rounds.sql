-- An escalation plan may run again from its first stage (TOCSIN_ESCALATION_REPEATS): each
-- round starts every stage once and pages its targets anew.
ALTER TABLE engagement_stage ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE engagement_stage DROP CONSTRAINT engagement_stage_pkey;
ALTER TABLE engagement_stage ADD PRIMARY KEY (engagement_arn, round, stage_index);

ALTER TABLE page ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE page DROP CONSTRAINT page_engagement_arn_stage_index_contact_arn_key;
ALTER TABLE page ADD CONSTRAINT page_once UNIQUE (engagement_arn, round, stage_index, contact_arn);
