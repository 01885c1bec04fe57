INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Ana Lima', 'ana@example.com', 'Lisbon', '2023-01-10'),
    (2, 'Ben Okafor', 'ben@example.com', 'Lagos', '2023-02-03'),
    (3, 'Chloé Martin', 'chloe@example.com', NULL, '2023-03-15'),
    (4, 'Dev Patel', 'dev@example.com', 'Pune', '2023-04-21'),
    (5, 'Eli Cohen', 'eli@example.com', 'Haifa', '2023-05-30');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Desk chair', 'office', 149.00),
    (2, 'Notebook', 'office', 3.50),
    (3, 'Mug', 'home', 6.00),
    (4, 'Desk lamp', 'home', 24.90),
    (5, 'Kettle', 'kitchen', 35.00),
    (6, 'Desk mat', 'office', 30.25),
    (7, 'Pen set', 'office', 7.00);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (1, 1, '2024-01-05', 'shipped'),
    (2, 2, '2024-01-07', 'paid'),
    (3, 3, '2024-01-09', 'pending'),
    (4, 4, '2024-01-12', 'shipped'),
    (5, 1, '2024-02-01', 'cancelled'),
    (6, 5, '2024-02-03', 'shipped'),
    (7, 3, '2024-02-14', 'shipped');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 149.00),
    (1, 2, 2, 3.50),
    (2, 3, 4, 6.00),
    (3, 4, 1, 24.90),
    (3, 5, 1, 35.00),
    (4, 5, 1, 35.00),
    (4, 7, 2, 7.00),
    (5, 1, 1, 149.00),
    (5, 6, 1, 30.25),
    (6, 5, 1, 35.00),
    (7, 6, 2, 30.25);
