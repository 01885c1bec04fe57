CREATE TABLE reviews (
    product_id  INTEGER NOT NULL REFERENCES products (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        TEXT,
    reviewed_on DATE NOT NULL DEFAULT CURRENT_DATE,
    UNIQUE (product_id)
);
