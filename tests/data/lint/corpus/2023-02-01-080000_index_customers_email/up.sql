-- expect: LNT001, LNT017
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));
