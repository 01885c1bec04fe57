-- Loaded into a fresh PostgreSQL database before the app starts, every job.
CREATE TABLE products (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    price NUMERIC(10, 2) NOT NULL CHECK (price >= 0)
);

INSERT INTO products (name, price) VALUES
    ('Desk lamp', 24.90),
    ('Notebook', 3.50),
    ('Stapler', 8.00),
    ('Monitor stand', 39.00);
