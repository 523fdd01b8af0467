-- A decision is recorded once (a resumed run, or a second worker, reaches the same one): kept by
-- a unique index instead of a check under the ledger's lock, so that recording one is a single
-- statement. Any repeats an older ledger holds are folded first (the earliest kept).
CREATE TABLE decisions_once AS
  SELECT attempt, kind, reason, rank_key, MIN(at) AS at FROM decisions
  GROUP BY attempt, kind, reason, rank_key;
DELETE FROM decisions;
INSERT INTO decisions (attempt, kind, reason, rank_key, at)
  SELECT attempt, kind, reason, rank_key, at FROM decisions_once;
DROP TABLE decisions_once;
CREATE UNIQUE INDEX decisions_once ON decisions (attempt, kind, reason, COALESCE(rank_key, ''));
