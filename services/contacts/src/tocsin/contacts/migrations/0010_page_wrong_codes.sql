-- Wrong accept codes tried on a page: after MAX_WRONG_CODES (engagements.py) its codes are
-- void, so a six-digit code cannot be guessed by trying them all.
ALTER TABLE page ADD COLUMN wrong_codes integer NOT NULL DEFAULT 0;
