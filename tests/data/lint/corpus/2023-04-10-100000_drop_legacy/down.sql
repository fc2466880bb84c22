CREATE TABLE legacy_carts (id BIGINT);
-- expect: LNT017
ALTER TABLE customers ADD COLUMN legacy_token TEXT;
