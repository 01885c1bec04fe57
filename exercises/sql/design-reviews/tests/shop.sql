INSERT INTO customers (id, name, email, city, joined_on) VALUES
    (1, 'Ann Berg', 'ann@example.com', 'Oslo', '2024-01-10'),
    (2, 'Bo Lind', 'bo@example.com', NULL, '2024-02-03'),
    (3, 'Cy Moro', 'cy@example.com', 'Rome', '2024-03-21');

INSERT INTO products (id, name, category, price) VALUES
    (1, 'Desk lamp', 'home', 24.90),
    (2, 'Notebook', 'office', 3.50),
    (3, 'Mug', 'home', 6.00);
