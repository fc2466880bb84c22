-- expect: LNT022, LNT017
ALTER TABLE orders DROP COLUMN coupon;
