-- expect: LNT017
ALTER TABLE customers DROP CONSTRAINT customers_email_present;
