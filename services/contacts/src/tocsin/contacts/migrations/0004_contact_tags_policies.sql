-- Tags of contacts (every type) and rotations, keyed by the resource's ARN. No foreign key,
-- since they hang off two tables: deleting a contact or a rotation deletes its tags.
CREATE TABLE tag (
    resource_arn  text NOT NULL,
    key           text NOT NULL,
    value         text NOT NULL,
    PRIMARY KEY (resource_arn, key)
);

-- The one resource policy of a contact (PutContactPolicy), stored as the caller sent it;
-- it goes with its contact.
CREATE TABLE contact_policy (
    contact_arn  text PRIMARY KEY REFERENCES contact (arn) ON DELETE CASCADE,
    policy       text NOT NULL
);
