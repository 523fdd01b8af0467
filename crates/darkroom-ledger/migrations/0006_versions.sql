-- A new version of an asset made in review (an in-paint, for now): its parent (an attempt or
-- another version), what made it, the stored image, and the attempt that paid for it (none for
-- a local fill). The id is a hash of the parent and the request, so asking twice finds the
-- first and nothing is paid twice.
CREATE TABLE versions (
    id TEXT PRIMARY KEY,
    parent TEXT NOT NULL,
    kind TEXT NOT NULL,
    asset TEXT NOT NULL,
    attempt TEXT,
    detail TEXT,
    who TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX versions_parent ON versions (parent);
