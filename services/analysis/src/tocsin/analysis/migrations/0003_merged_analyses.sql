-- Regions: two regions cut off from each other may each create an analysis of the same
-- incident. Once each holds both, the one created first keeps the incident's analysis and
-- the other is merged into it (tocsin.analysis.replicas): it stays, as it was, naming
-- the analysis it was merged into, and its ARN reads and writes that one. An incident thus
-- has one analysis not merged into another.
ALTER TABLE analysis ADD COLUMN merged_into text;
ALTER TABLE analysis DROP CONSTRAINT analysis_incident_arn_key;
CREATE UNIQUE INDEX analysis_of_incident ON analysis (incident_arn) WHERE merged_into IS NULL;
