-- Create the reviews table here. See README.md for what it must allow and
-- what it must refuse.
CREATE TABLE reviews (
    product_id INTEGER,
    customer_id INTEGER
);
