-- expect: LNT018, LNT021
CREATE TABLE customers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    email TEXT NOT NULL,
    country CHAR(2) NOT NULL,
    signed_up_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE INDEX customers_account_id_idx ON customers (account_id);
