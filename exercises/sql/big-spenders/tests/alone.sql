-- Only one customer has a total spend, so it is the average and nobody is
-- strictly above it: the answer is no rows.
INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Vera Kuznetsova', 'vera@example.com', 'Tartu', '2023-10-10'),
    (2, 'Wim de Vries', 'wim@example.com', NULL, '2023-11-11'),
    (3, 'Xena Papadopoulou', 'xena@example.com', 'Patras', '2023-12-12');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Seed tray', 'garden', 25.50),
    (2, 'Watering can', 'garden', 24.50);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (1, 1, '2024-07-01', 'paid'),
    (2, 3, '2024-07-02', 'cancelled');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 2, 25.50),
    (1, 2, 1, 24.50),
    (2, 1, 10, 25.50);
