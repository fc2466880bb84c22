-- expect: LNT009, LNT017
ALTER TABLE products ADD CONSTRAINT products_sku_key UNIQUE (sku);
