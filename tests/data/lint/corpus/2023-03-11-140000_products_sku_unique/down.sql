-- expect: LNT017
ALTER TABLE products DROP CONSTRAINT products_sku_key;
