INSERT INTO items (id, name, price) VALUES
    (1, 'Stool', 9.99),
    (4, 'Desk', 120.00),
    (5, 'Shelf', 10.01);
