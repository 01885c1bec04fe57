-- Per category: revenue (sum of quantity * unit_price over paid and shipped
-- orders, rounded to 2 decimals) and order_count (distinct orders); only
-- categories above 100.00; highest revenue first, then by category.
SELECT category
FROM products;
