-- expect: LNT017
ALTER TABLE orders DROP COLUMN gift;
