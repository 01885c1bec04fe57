-- One row per line of a shipped order: order_id, customer (the customer's
-- name), product (the product's name), quantity, and line_total
-- (quantity * unit_price). Join orders, customers, order_items and products.
SELECT id AS order_id, status
FROM orders;
