-- expect: LNT017
ALTER TABLE orders DROP COLUMN updated_at, DROP COLUMN note, DROP COLUMN public_token;
