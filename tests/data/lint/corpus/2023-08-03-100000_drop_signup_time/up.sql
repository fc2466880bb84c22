SET lock_timeout = '2s';
SET statement_timeout = '60s';
-- expect: LNT012
ALTER TABLE customers DROP COLUMN signed_up_at;
