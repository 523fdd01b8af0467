-- A paid fix asked for in review while a run held the campaign (a file ledger's lock): never
-- refused, kept here and made under the lock by the next run, or by the review app as soon as
-- the lock is free. Its id is the version it makes (a hash of the parent and the request), so
-- whichever makes it first, the other finds the version and nothing is paid twice.
CREATE TABLE queued_fixes (
    id TEXT PRIMARY KEY,
    parent TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT NOT NULL,
    prompt TEXT NOT NULL,
    mask TEXT NOT NULL,
    who TEXT NOT NULL,
    at REAL NOT NULL,
    state TEXT NOT NULL,
    error TEXT
);
