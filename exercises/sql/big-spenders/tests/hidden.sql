-- Two customers named Priya Shah tie at the top; two customers never
-- ordered and one only has cancelled orders (none of them count towards the
-- average, 116.00); Rosa (90.00) is above the average order line and above
-- the average over all customers, but not above the average spend.
INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Ola Nordmann', 'ola@example.com', 'Oslo', '2022-12-01'),
    (2, 'Priya Shah', 'priya@example.com', 'Leeds', '2023-01-15'),
    (3, 'Quentin Roy', 'quentin@example.com', 'Lyon', '2023-02-20'),
    (4, 'Rosa Díaz', 'rosa@example.com', 'Cádiz', '2023-03-25'),
    (5, 'Sam Lee', 'sam@example.com', NULL, '2023-04-30'),
    (6, 'Priya Shah', 'shah.p@example.org', 'Surat', '2023-06-05'),
    (7, 'Tariq Aziz', 'tariq@example.com', 'Amman', '2023-07-10'),
    (8, 'Uma Rao', 'uma@example.com', NULL, '2024-01-01');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Garden bench', 'garden', 45.00),
    (2, 'Lantern', 'home', 15.00),
    (3, 'Rug', 'home', 45.00),
    (4, 'Kettle', 'kitchen', 30.00),
    (5, 'Espresso machine', 'kitchen', 250.00);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (10, 2, '2024-06-01', 'shipped'),
    (11, 2, '2024-06-08', 'paid'),
    (12, 6, '2024-06-09', 'pending'),
    (13, 3, '2024-06-10', 'shipped'),
    (14, 4, '2024-06-11', 'shipped'),
    (15, 5, '2024-06-12', 'paid'),
    (16, 7, '2024-06-13', 'cancelled'),
    (17, 7, '2024-06-14', 'cancelled'),
    (18, 4, '2024-06-15', 'cancelled');

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (10, 1, 2, 40.00),
    (11, 1, 3, 40.00),
    (12, 1, 5, 40.00),
    (13, 2, 2, 15.00),
    (14, 3, 1, 45.00),
    (14, 2, 3, 15.00),
    (15, 4, 2, 30.00),
    (16, 5, 2, 250.00),
    (17, 4, 1, 30.00),
    (18, 5, 1, 250.00);
