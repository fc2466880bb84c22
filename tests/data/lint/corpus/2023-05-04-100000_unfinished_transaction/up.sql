-- expect: LNT024
BEGIN;
-- expect: LNT017
ALTER TABLE orders ADD COLUMN coupon TEXT;
