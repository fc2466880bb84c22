-- expect: LNT017, LNT021
ALTER TABLE customers ADD COLUMN signed_up_at TIMESTAMP;
