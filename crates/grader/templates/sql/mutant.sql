SELECT name, price
FROM items
WHERE id IN (1, 3)
ORDER BY price DESC;
