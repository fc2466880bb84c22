-- expect: LNT004, LNT017
ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fkey FOREIGN KEY (account_id) REFERENCES customers (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
