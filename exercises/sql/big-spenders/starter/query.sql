-- Customers whose total spend (quantity * unit_price over their orders that
-- are not cancelled) is above the average total spend of the customers who
-- ordered: customer_id, name, total_spent (rounded to 2 decimals), biggest
-- spender first, ties by customer_id.
SELECT id AS customer_id, name
FROM customers;
