-- Ties at the top, in the middle and at the bottom of a category, a free
-- product, a category of one, a name used in two categories.
INSERT INTO products (id, name, category, price) VALUES
    (1, 'Garden bench', 'garden', 120.00),
    (2, 'Hose', 'garden', 49.00),
    (3, 'Seed tray', 'garden', 25.50),
    (4, 'Trowel', 'garden', 9.90),
    (5, 'Espresso machine', 'kitchen', 250.00),
    (6, 'Toaster', 'kitchen', 35.00),
    (7, 'Kettle', 'kitchen', 35.00),
    (8, 'Pan', 'kitchen', 25.00),
    (9, 'Tea towel', 'kitchen', 4.50),
    (10, 'Oven glove', 'kitchen', 4.50),
    (11, 'Sponge', 'kitchen', 0.00),
    (12, 'Desk lamp', 'office', 149.00),
    (13, 'Chair mat', 'office', 149.00),
    (14, 'Desk chair', 'office', 149.00),
    (15, 'Notebook', 'office', 3.50),
    (16, 'Desk lamp', 'home', 24.90),
    (17, 'Yo-yo', 'toys', 2.75);
