INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Ann Berg', 'ann@example.com', 'Oslo', '2024-01-10'),
    (2, 'Bo Lind', 'bo@example.com', NULL, '2024-02-03');

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
    (1, 1, '2024-03-01', 'paid'),
    (2, 1, '2024-03-09', 'shipped'),
    (3, 2, '2024-03-09', 'pending');
