SELECT c.id AS customer_id, c.name,
       ROUND(SUM(oi.quantity * oi.unit_price), 2) AS total_spent
FROM customers c
JOIN orders o ON o.customer_id = c.id
JOIN order_items oi ON oi.order_id = o.id
WHERE o.status <> 'cancelled' AND c.id IN (1, 3)
GROUP BY c.id, c.name
ORDER BY total_spent DESC, c.id;
