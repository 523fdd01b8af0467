-- What a person decided in `darkroom review`: approve or reject an asset (with a reason), rate
-- it, set a checklist assertion's truth, or undo their last decision. Append-only: an undo is a
-- row naming the row it takes back.
CREATE TABLE human_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    note TEXT,
    rating INTEGER,
    assertion INTEGER,
    verdict TEXT,
    undoes INTEGER REFERENCES human_decisions(id),
    who TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX human_decisions_attempt ON human_decisions (attempt);
