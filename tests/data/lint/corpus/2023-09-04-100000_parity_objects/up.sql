-- expect: LNT058
CREATE DOMAIN positive_amount AS NUMERIC(12, 2) CHECK (VALUE > 0);
-- expect: LNT059
ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_small CHECK (VALUE < 1000000);
-- expect: LNT053
ALTER SCHEMA reporting RENAME TO analytics;
-- expect: LNT055, LNT061
CREATE TABLE audit_log (payload JSON NOT NULL);
CREATE TABLE coupons (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code TEXT NOT NULL);
SET lock_timeout = '2s';
SET statement_timeout = '30s';
-- expect: LNT004, LNT063
ALTER TABLE orders ADD CHECK (total >= 0);
-- expect: LNT001
CREATE INDEX orders_wide_idx ON orders (customer_id, placed_at, total, id);
