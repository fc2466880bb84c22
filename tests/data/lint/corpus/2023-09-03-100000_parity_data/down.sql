SET lock_timeout = '2s';
SET statement_timeout = '30s';
-- expect: LNT004
ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE customers DROP COLUMN tier;
