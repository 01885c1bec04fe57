-- Office products costing at most 10.00, cheapest first, ties by name.
SELECT name, price
FROM products;
