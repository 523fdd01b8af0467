-- Why a run ended in `error` (a full disk, an unwritable folder): said by `status`.
ALTER TABLE runs ADD COLUMN reason TEXT;
