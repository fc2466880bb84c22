-- expect: LNT001, LNT017, LNT047
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));
