-- A shop with no office supplies at all: the answer is no rows.
INSERT INTO products (id, name, category, price) VALUES
    (21, 'Vase', 'home', 12.00),
    (22, 'Candle', 'home', 5.50);
