WITH totals AS (
    SELECT o.customer_id, SUM(oi.quantity * oi.unit_price) AS total
    FROM orders o
    JOIN order_items oi ON oi.order_id = o.id
    WHERE o.status <> 'cancelled'
    GROUP BY o.customer_id
)
SELECT c.id AS customer_id, c.name, ROUND(t.total, 2) AS total_spent
FROM totals t
JOIN customers c ON c.id = t.customer_id
WHERE t.total > (SELECT AVG(total) FROM totals)
ORDER BY t.total DESC, c.id;
