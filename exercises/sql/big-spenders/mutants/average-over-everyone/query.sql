WITH totals AS (
    SELECT c.id, c.name, COALESCE(SUM(oi.quantity * oi.unit_price), 0) AS total
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
    LEFT JOIN order_items oi ON oi.order_id = o.id
    GROUP BY c.id, c.name
)
SELECT id AS customer_id, name, ROUND(total, 2) AS total_spent
FROM totals
WHERE total > (SELECT AVG(total) FROM totals)
ORDER BY total DESC, id;
