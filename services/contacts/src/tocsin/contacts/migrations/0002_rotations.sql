-- On-call rotations. `recurrence` is the RecurrenceSettings as GetRotation returns it; shifts
-- are computed from it (tocsin.contacts.shifts), never stored. Tags live in `tag` (0004),
-- and an on-call schedule names its rotations in its plan's RotationIds.
CREATE TABLE rotation (
    arn           text PRIMARY KEY,
    name          text NOT NULL,
    start_time    timestamptz NOT NULL,
    time_zone_id  text NOT NULL,
    recurrence    jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- ListRotations pages by name (bytewise), with RotationNamePrefix as a range on that order.
CREATE INDEX rotation_name_c ON rotation (name COLLATE "C", arn);

-- The members of each rotation in shift order. Only PERSONAL contacts, checked when written;
-- DeleteContact refuses to delete a member (ConflictException naming the rotations).
CREATE TABLE rotation_contact (
    rotation_arn  text NOT NULL REFERENCES rotation (arn) ON DELETE CASCADE,
    contact_arn   text NOT NULL,
    position      int NOT NULL,
    PRIMARY KEY (rotation_arn, position),
    UNIQUE (rotation_arn, contact_arn)
);

CREATE INDEX rotation_contact_by_contact ON rotation_contact (contact_arn);

-- Overrides: who is on call instead of the regular members in [start_time, end_time).
-- Where overrides overlap, the one created last is in effect.
CREATE TABLE rotation_override (
    id               uuid PRIMARY KEY,
    rotation_arn     text NOT NULL REFERENCES rotation (arn) ON DELETE CASCADE,
    new_contact_ids  text[] NOT NULL,
    start_time       timestamptz NOT NULL,
    end_time         timestamptz NOT NULL,
    create_time      timestamptz NOT NULL,
    CHECK (end_time > start_time)
);

CREATE INDEX rotation_override_by_time ON rotation_override (rotation_arn, start_time, id);
