-- A file ledger moved into a shared database (`darkroom move`): where to, and when. A moved
-- file is not run on again: two ledgers of one campaign would each pay for the same calls.
CREATE TABLE moved (
  url TEXT NOT NULL,
  at REAL NOT NULL
);
