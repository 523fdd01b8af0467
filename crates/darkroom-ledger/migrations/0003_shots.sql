-- Each shot's outcome as of the latest run that reached it: planned, delivered, or failed with
-- the reason; and which run that was.
CREATE TABLE shots (
  id TEXT PRIMARY KEY,
  prompt TEXT NOT NULL,
  finals INTEGER NOT NULL,
  status TEXT NOT NULL,               -- planned | delivered | failed
  reason TEXT,
  run INTEGER
);
-- Decisions are recorded once per (attempt, kind, reason, rank key): the check looks them up.
CREATE INDEX decisions_by_attempt ON decisions (attempt, kind);
