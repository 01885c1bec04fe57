-- Prices have changed since some orders were placed; two customers share a
-- name; one customer never ordered; every status occurs.
INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Dmitri Volkov', 'dmitri@example.com', 'Riga', '2022-11-20'),
    (2, 'Eva Novak', 'eva.novak@example.com', NULL, '2023-04-01'),
    (3, 'Eva Novak', 'novak.eva@example.org', 'Prague', '2023-06-12'),
    (4, 'Farid Haddad', 'farid@example.com', 'Tunis', '2024-01-02');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Kettle', 'kitchen', 35.00),
    (2, 'Tea towel', 'kitchen', 4.50),
    (3, 'Stapler', 'office', 8.00),
    (4, 'Notebook', 'office', 3.50),
    (5, 'Desk lamp', 'home', 24.90),
    (6, 'Plant pot', 'home', 12.00);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (1, 1, '2024-03-01', 'shipped'),
    (2, 2, '2024-03-02', 'shipped'),
    (3, 3, '2024-03-02', 'shipped'),
    (4, 2, '2024-03-05', 'paid'),
    (5, 1, '2024-03-06', 'cancelled'),
    (6, 3, '2024-03-07', 'pending'),
    (7, 1, '2024-03-09', 'shipped');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 29.99),
    (1, 2, 3, 4.50),
    (2, 4, 10, 3.50),
    (2, 3, 2, 7.00),
    (3, 4, 10, 3.50),
    (4, 5, 1, 24.90),
    (5, 6, 2, 12.00),
    (6, 1, 1, 35.00),
    (7, 6, 1, 11.00),
    (7, 2, 2, 4.50);
