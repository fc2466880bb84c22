-- Dropping a constraint attached USING INDEX drops the index too: the earlier
-- migration's products_sku_idx is gone after a rollback.
-- expect: LNT017, LNT037
ALTER TABLE products DROP CONSTRAINT products_sku_uq;
