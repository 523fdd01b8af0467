-- Money past one machine (issue 28). Fencing: every reservation of a call bumps its epoch and
-- records the reserving process's random token (`lease`); a settle that does not carry the
-- current token and epoch is a stale process's late result. What a takeover or a crash booked
-- as "may have run" is kept apart (`presumed`, over `presumed_n` bookings) so that such a late
-- result can replace it with the actual cost. `delta` is the change the last write made to the
-- running total; `late` counts results that arrived after the call was taken over.
ALTER TABLE attempts ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN lease TEXT;
ALTER TABLE attempts ADD COLUMN presumed REAL NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN presumed_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN delta REAL NOT NULL DEFAULT 0;
-- Late results of fenced processes (each a call the vendor ran twice).
ALTER TABLE attempts ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN token TEXT;
ALTER TABLE claims ADD COLUMN token TEXT;
-- One account per campaign: the committed total (settled plus reserved) kept as a running
-- figure by every write that changes it, so that the budget guard reads one row instead of
-- summing every attempt; and, on a shared ledger, the one cap every worker applies.
CREATE TABLE account (
  name TEXT PRIMARY KEY,
  committed REAL NOT NULL,
  cap REAL,
  unit TEXT,
  cap_by TEXT,
  cap_at REAL
);
INSERT INTO account (name, committed)
  SELECT 'campaign', COALESCE(SUM(COALESCE(cost_settled, 0) + cost_reserved), 0) FROM attempts;
-- Every change of a shared campaign's cap: who changed it, from what, to what.
CREATE TABLE cap_changes (
  at REAL NOT NULL,
  worker TEXT,
  old_cap REAL,
  new_cap REAL NOT NULL,
  unit TEXT
);
