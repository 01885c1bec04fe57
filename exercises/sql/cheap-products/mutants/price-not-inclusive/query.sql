SELECT name, price
FROM products
WHERE category = 'office' AND price < 10
ORDER BY price, name;
