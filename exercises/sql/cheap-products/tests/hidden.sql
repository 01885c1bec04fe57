INSERT INTO products (id, name, category, price) VALUES
    (11, 'Sticky notes', 'office', 2.40),
    (12, 'Ruler', 'office', 10.00),
    (13, 'Eraser', 'office', 0.80),
    (14, 'Bookend', 'office', 10.00),
    (15, 'Calculator', 'office', 10.01),
    (16, 'Blanket', 'home', 9.00),
    (17, 'Binder', 'office', 4.00),
    (18, 'Whiteboard', 'office', 55.00),
    (19, 'Archive box', 'office', 4.00);
