-- A shot whose every deliverable was written from inputs that have not changed since: its
-- fingerprint (a hash of the shot, the campaign's other settings, the signer and what people
-- decided about it) and its files with their sizes. A run that finds the same fingerprint and
-- the files as they were left does nothing for the shot: no judging, no signing, no writing.
CREATE TABLE settled (
    shot TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    files TEXT NOT NULL,
    at REAL NOT NULL
);
