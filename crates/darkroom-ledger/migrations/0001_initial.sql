-- The first schema. Migrations are never edited once merged; add a new file instead.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  campaign TEXT NOT NULL,
  started_at REAL NOT NULL,
  finished_at REAL,
  status TEXT NOT NULL
);
CREATE TABLE attempts (
  id TEXT PRIMARY KEY,                -- deterministic: hash of provider, model, prompt, seed, parameters
  shot TEXT NOT NULL,
  tier TEXT NOT NULL,
  round INTEGER NOT NULL,
  variant INTEGER NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT,
  seed INTEGER NOT NULL,
  params TEXT NOT NULL,               -- JSON
  status TEXT NOT NULL CHECK (status IN ('planned', 'sent', 'done', 'failed', 'refused')),
  cost_reserved REAL NOT NULL DEFAULT 0,
  cost_settled REAL,
  error_class TEXT,
  error_message TEXT,
  asset TEXT,
  queued_at REAL,
  started_at REAL,
  finished_at REAL,
  latency REAL,
  queue_wait REAL,
  tries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX attempts_shot ON attempts (shot, tier, status);
CREATE TABLE assets (
  hash TEXT PRIMARY KEY,              -- blake3 of the bytes
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE TABLE scores (
  attempt TEXT NOT NULL,
  judge TEXT NOT NULL,
  value REAL,
  verdicts TEXT NOT NULL,             -- JSON
  PRIMARY KEY (attempt, judge)
);
CREATE TABLE decisions (
  attempt TEXT NOT NULL,
  kind TEXT NOT NULL,                 -- gate | rank | human
  reason TEXT NOT NULL,               -- reason code
  rank_key TEXT,
  at REAL NOT NULL
);
CREATE TABLE deliverables (
  path TEXT PRIMARY KEY,
  shot TEXT NOT NULL,
  attempt TEXT NOT NULL,
  aspect TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  hash TEXT NOT NULL
);
