INSERT INTO items (id, name, price) VALUES
    (1, 'Lamp', 24.90),
    (2, 'Pen', 1.50),
    (3, 'Chair', 89.00);
