-- Each rate-limited provider's pace, shared by every notifications instance: the
-- theoretical arrival time (Unix seconds) of the generic cell rate algorithm, so n
-- instances together never send faster than the provider's configured rate.
CREATE TABLE provider_pace (
    name  text PRIMARY KEY,
    tat   double precision NOT NULL
);
