SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE orders ADD COLUMN gift BOOLEAN NOT NULL DEFAULT false;
