CREATE INDEX orders_by_date_and_customer ON orders (ordered_on, customer_id);
