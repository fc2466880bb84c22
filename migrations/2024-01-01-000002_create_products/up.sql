-- Products: exact money, no negative prices or stock, bounded text.
CREATE TABLE products (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    price NUMERIC(12, 2) NOT NULL,
    inventory_count INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT products_name_length CHECK (char_length(name) BETWEEN 1 AND 255),
    CONSTRAINT products_description_length CHECK (char_length(description) <= 5000),
    CONSTRAINT products_price_non_negative CHECK (price >= 0),
    CONSTRAINT products_inventory_count_non_negative CHECK (inventory_count >= 0)
);
