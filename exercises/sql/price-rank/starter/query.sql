-- Every product with price_rank: its rank by price within its category,
-- highest price first, equal prices sharing a rank (1, 2, 2, 4).
-- Order by category, price_rank, name.
SELECT category, name, price
FROM products
ORDER BY category, price DESC, name;
