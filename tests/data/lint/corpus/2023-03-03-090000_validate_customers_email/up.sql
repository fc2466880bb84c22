-- expect: LNT017
ALTER TABLE customers VALIDATE CONSTRAINT customers_email_present;
