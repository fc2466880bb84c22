-- expect: LNT010, LNT017
ALTER TABLE customers RENAME COLUMN country_code TO country;
