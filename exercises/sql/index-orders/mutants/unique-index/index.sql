CREATE UNIQUE INDEX orders_by_customer_and_date ON orders (customer_id, ordered_on);
