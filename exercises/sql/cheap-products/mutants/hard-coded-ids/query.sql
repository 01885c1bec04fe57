SELECT name, price
FROM products
WHERE id IN (2, 3, 4, 7)
ORDER BY price, name;
