INSERT INTO products (id, name, category, price) VALUES
    (1, 'Desk chair', 'office', 149.00),
    (2, 'Monitor stand', 'office', 39.00),
    (3, 'Stapler', 'office', 7.00),
    (4, 'Pen set', 'office', 7.00),
    (5, 'Desk lamp', 'home', 24.90),
    (6, 'Mug', 'home', 6.00),
    (7, 'Kettle', 'kitchen', 35.00);
