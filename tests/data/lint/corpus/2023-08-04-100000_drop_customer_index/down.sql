-- expect: LNT001, LNT017
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
