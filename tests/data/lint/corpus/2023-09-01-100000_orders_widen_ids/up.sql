SET lock_timeout = '2s';
SET statement_timeout = '30s';
-- numeric(14, 2) -> numeric(16, 2) and a wider varchar: catalog-only, not reported
ALTER TABLE orders ALTER COLUMN total TYPE NUMERIC(16, 2);
-- integer -> bigint converts every row
-- expect: LNT008
ALTER TABLE orders ALTER COLUMN total TYPE BIGINT;
