SET lock_timeout = '2s';
SET statement_timeout = '30s';
-- expect: LNT008
ALTER TABLE orders ALTER COLUMN total TYPE NUMERIC(14, 2);
