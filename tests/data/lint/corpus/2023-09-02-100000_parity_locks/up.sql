SET lock_timeout = '2s';
SET statement_timeout = '30s';
-- expect: LNT043
REINDEX INDEX orders_customer_id_idx;
-- expect: LNT045
REFRESH MATERIALIZED VIEW order_totals;
-- expect: LNT044
ALTER TABLE orders DETACH PARTITION orders_2022;
-- expect: LNT046
ALTER TABLE orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (customer_id WITH =);
-- expect: LNT004, LNT009
ALTER TABLE orders ADD COLUMN coupon_id BIGINT REFERENCES coupons (id), ADD COLUMN ref TEXT UNIQUE;
ALTER TABLE orders ADD CONSTRAINT orders_total_small CHECK (total < 1000000) NOT VALID;
-- expect: LNT004
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_small;
-- expect: LNT007
ALTER TABLE orders ADD COLUMN total_cents BIGINT GENERATED ALWAYS AS (total * 100) STORED;
