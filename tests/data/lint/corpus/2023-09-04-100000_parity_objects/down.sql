SET lock_timeout = '2s';
SET statement_timeout = '30s';
DROP INDEX orders_wide_idx;
DROP TABLE coupons;
DROP TABLE audit_log;
-- expect: LNT053
ALTER SCHEMA analytics RENAME TO reporting;
DROP DOMAIN positive_amount;
