-- garden makes exactly 100.00; kitchen and office tie at 147.50; home only
-- passes 100.00 with a cancelled order, toys only with a pending one; one
-- order holds three kitchen lines.
INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Ines Duarte', 'ines@example.com', 'Porto', '2023-05-05'),
    (2, 'Jonas Berg', 'jonas@example.com', 'Bergen', '2023-06-06'),
    (3, 'Kofi Mensah', 'kofi@example.com', 'Accra', '2023-07-07'),
    (4, 'Lena Vogel', 'lena@example.com', NULL, '2023-08-08'),
    (5, 'Mara Ionescu', 'mara@example.com', 'Iasi', '2024-02-29');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Kettle', 'kitchen', 35.00),
    (2, 'Tea towel', 'kitchen', 4.50),
    (3, 'Oven glove', 'kitchen', 12.25),
    (4, 'Seed tray', 'garden', 25.50),
    (5, 'Hose', 'garden', 49.00),
    (6, 'Plant pot', 'home', 12.00),
    (7, 'Cushion', 'home', 20.00),
    (8, 'Desk chair', 'office', 149.00),
    (9, 'Notebook', 'office', 3.50),
    (10, 'Yo-yo', 'toys', 2.75),
    (11, 'Paper clips', 'office', 1.20);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (1, 1, '2024-04-01', 'shipped'),
    (2, 2, '2024-04-02', 'paid'),
    (3, 3, '2024-04-03', 'cancelled'),
    (4, 4, '2024-04-04', 'pending'),
    (5, 1, '2024-04-05', 'paid'),
    (6, 2, '2024-04-06', 'shipped');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 35.00),
    (1, 2, 4, 4.50),
    (1, 3, 2, 12.25),
    (1, 6, 5, 12.00),
    (2, 4, 2, 25.50),
    (2, 8, 1, 140.00),
    (3, 7, 2, 20.00),
    (3, 1, 1, 35.00),
    (4, 10, 40, 2.75),
    (5, 5, 1, 49.00),
    (5, 9, 2, 3.75),
    (6, 1, 2, 35.00),
    (6, 7, 1, 20.00);
