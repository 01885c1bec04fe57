-- Items costing more than 10, most expensive first.
SELECT name, price
FROM items;
