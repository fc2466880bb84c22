SET lock_timeout = '2s';
SET statement_timeout = '30s';
-- expect: LNT006
ALTER TABLE orders ADD COLUMN status TEXT NOT NULL;
