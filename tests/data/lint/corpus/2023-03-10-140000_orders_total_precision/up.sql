-- numeric(12, 2) -> numeric(14, 2): same scale, more precision: a catalog-only change
-- expect: LNT017
ALTER TABLE orders ALTER COLUMN total TYPE NUMERIC(14, 2);
