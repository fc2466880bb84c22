-- expect: LNT017
ALTER TABLE customers ADD CONSTRAINT customers_email_present CHECK (email IS NOT NULL) NOT VALID;
