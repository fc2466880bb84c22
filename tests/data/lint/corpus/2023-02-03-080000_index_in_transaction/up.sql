-- Forgot metadata.toml: Diesel wraps this in a transaction.
-- expect: LNT003
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total_idx ON orders (total);
