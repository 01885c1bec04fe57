SELECT o.id AS order_id,
       c.name AS customer,
       p.name AS product,
       oi.quantity,
       oi.quantity * oi.unit_price AS line_total
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.order_id
WHERE o.status = 'shipped';
