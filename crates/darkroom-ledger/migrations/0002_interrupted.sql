-- How many times a call was found in flight after a crash (reconciled as spent). A retried
-- interrupted call may be executed again by the provider; this count bounds how often.
ALTER TABLE attempts ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
