-- Which server of a provider pool (`base_url = [...]`) ran an attempt; NULL for a provider of
-- one endpoint.
ALTER TABLE attempts ADD COLUMN backend TEXT;
