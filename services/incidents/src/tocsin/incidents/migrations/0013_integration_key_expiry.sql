-- An integration key may expire, and remembers when a webhook last presented it.
ALTER TABLE integration_key
    ADD COLUMN expires_time   timestamptz,
    ADD COLUMN last_used_time timestamptz;
