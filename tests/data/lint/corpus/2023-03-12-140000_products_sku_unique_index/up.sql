-- expect: LNT047
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS products_sku_idx ON products (sku);
