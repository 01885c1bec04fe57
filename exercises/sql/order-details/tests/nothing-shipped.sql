-- Orders of every status but shipped: the answer is no rows.
INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Gwen Price', 'gwen@example.com', 'Cardiff', '2023-08-08'),
    (2, 'Hiro Tanaka', 'hiro@example.com', NULL, '2023-09-19');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Desk chair', 'office', 149.00),
    (2, 'Mug', 'home', 6.00);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (1, 1, '2024-05-01', 'paid'),
    (2, 2, '2024-05-02', 'pending'),
    (3, 1, '2024-05-03', 'cancelled');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 149.00),
    (2, 2, 4, 6.00),
    (3, 2, 1, 6.00);
