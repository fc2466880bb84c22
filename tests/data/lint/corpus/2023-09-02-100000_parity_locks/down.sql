SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders DROP CONSTRAINT orders_no_overlap, DROP CONSTRAINT orders_total_small;
ALTER TABLE orders DROP COLUMN coupon_id, DROP COLUMN ref, DROP COLUMN total_cents;
