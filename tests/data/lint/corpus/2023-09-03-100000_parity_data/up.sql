SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE customers ADD COLUMN tier TEXT;
-- expect: LNT049
UPDATE customers SET tier = 'free' WHERE tier IS NULL;
-- expect: LNT048
DELETE FROM import_errors;
-- expect: LNT048, LNT050
UPDATE orders SET note = '', note = 'x';
-- expect: LNT052
ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
