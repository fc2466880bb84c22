-- expect: LNT017
ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
ALTER TABLE invoices DROP CONSTRAINT invoices_customer_fkey;
