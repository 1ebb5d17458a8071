-- Automation (and ProblemAnalysisTemplate) documents: one row per document, one per version.
-- owner is the account ID for a caller's documents and 'Amazon' for the built-in ones,
-- which no operation may change or delete.
CREATE TABLE document (
    name             text PRIMARY KEY,
    document_type    text NOT NULL,
    owner            text NOT NULL,
    default_version  integer NOT NULL,
    latest_version   integer NOT NULL,
    created_at       timestamptz NOT NULL,
    tags             jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE document_version (
    name           text NOT NULL REFERENCES document (name) ON DELETE CASCADE,
    version        integer NOT NULL,
    content        text NOT NULL,        -- as the caller sent it
    format         text NOT NULL,        -- JSON or YAML
    parsed         jsonb NOT NULL,       -- the content as a document
    hash           text NOT NULL,        -- sha256 hex of content
    display_name   text,
    version_name   text,
    target_type    text,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (name, version),
    UNIQUE (name, version_name)
);
