-- Replaced by the composite index of 2023-05-02.
-- expect: LNT002, LNT017
DROP INDEX orders_customer_id_idx;
