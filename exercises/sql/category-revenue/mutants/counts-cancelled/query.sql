SELECT p.category,
       ROUND(SUM(oi.quantity * oi.unit_price), 2) AS revenue,
       COUNT(DISTINCT oi.order_id) AS order_count
FROM order_items oi
JOIN orders o ON o.id = oi.order_id
JOIN products p ON p.id = oi.product_id
WHERE o.status <> 'pending'
GROUP BY p.category
HAVING SUM(oi.quantity * oi.unit_price) > 100
ORDER BY revenue DESC, p.category;
