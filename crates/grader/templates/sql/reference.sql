SELECT name, price
FROM items
WHERE price > 10
ORDER BY price DESC;
