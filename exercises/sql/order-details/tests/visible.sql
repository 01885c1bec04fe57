INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Ana Lima', 'ana@example.com', 'Lisbon', '2023-01-10'),
    (2, 'Ben Okafor', 'ben@example.com', 'Lagos', '2023-02-03'),
    (3, 'Chloé Martin', 'chloe@example.com', NULL, '2023-03-15');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Notebook', 'office', 3.50),
    (2, 'Desk lamp', 'home', 24.90),
    (3, 'Mug', 'home', 6.00),
    (4, 'Pen set', 'office', 7.00),
    (5, 'Stapler', 'office', 7.00);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (1, 1, '2024-01-05', 'shipped'),
    (2, 2, '2024-01-07', 'paid'),
    (3, 3, '2024-01-09', 'shipped'),
    (4, 1, '2024-02-01', 'cancelled'),
    (5, 2, '2024-02-11', 'pending');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 4, 3.50),
    (1, 2, 1, 24.90),
    (2, 3, 2, 6.00),
    (3, 4, 3, 7.00),
    (3, 3, 1, 6.00),
    (4, 2, 1, 24.90),
    (5, 5, 1, 7.00);
