INSERT INTO products (id, name, category, price) VALUES
    (1, 'Desk lamp', 'home', 24.90),
    (2, 'Notebook', 'office', 3.50),
    (3, 'Stapler', 'office', 7.00),
    (4, 'Pen set', 'office', 7.00),
    (5, 'Monitor stand', 'office', 39.00),
    (6, 'Mug', 'home', 6.00),
    (7, 'Paper clips', 'office', 1.20),
    (8, 'Desk chair', 'office', 149.00);
