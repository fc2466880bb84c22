-- expect: LNT003
DROP INDEX CONCURRENTLY IF EXISTS orders_total_idx;
