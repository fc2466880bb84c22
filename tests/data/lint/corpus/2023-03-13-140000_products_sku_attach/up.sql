-- expect: LNT017
ALTER TABLE products ADD CONSTRAINT products_sku_uq UNIQUE USING INDEX products_sku_idx;
