-- The up.sql only created legacy objects if missing; they never existed in this history.
-- expect: LNT037
CREATE TABLE legacy_carts (id BIGINT);
-- expect: LNT017
ALTER TABLE customers ADD COLUMN legacy_token TEXT;
