-- Several workers on one campaign (a PostgreSQL ledger): who they are and their heartbeats;
-- which worker has each call in flight (its lease, taken over when the heartbeat stops); the
-- pieces of work one worker does for all (a shot's delivery); which worker wrote a deliverable
-- and how many times it was written.
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at REAL NOT NULL,
  heartbeat REAL NOT NULL,
  state TEXT NOT NULL
);
ALTER TABLE attempts ADD COLUMN worker TEXT;
CREATE INDEX attempts_worker ON attempts (worker, status);
ALTER TABLE runs ADD COLUMN worker TEXT;
ALTER TABLE deliverables ADD COLUMN worker TEXT;
ALTER TABLE deliverables ADD COLUMN writes INTEGER NOT NULL DEFAULT 1;
-- Its format and Content Credentials label, so a worker can list what another delivered.
ALTER TABLE deliverables ADD COLUMN format TEXT;
ALTER TABLE deliverables ADD COLUMN c2pa TEXT;
CREATE TABLE claims (
  key TEXT PRIMARY KEY,
  worker TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  at REAL NOT NULL
);
