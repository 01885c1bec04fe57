class Product:
    """An item for sale, with a name and a price.

    Two products are equal (and hash the same) when their name and price
    are equal.
    """

    def __init__(self, name: str, price: float):
        """Store name and price.

        Raises ValueError if name is empty or only spaces, TypeError if
        price is not an int or float, and ValueError if price is negative.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        if isinstance(price, bool) or not isinstance(price, (int, float)):
            raise TypeError(f"price must be a number, not {type(price).__name__}")
        if price < 0:
            raise ValueError(f"price must not be negative, got {price}")
        self.name = name
        self.price = price

    def __eq__(self, other):
        if not isinstance(other, Product):
            return NotImplemented
        return (self.name, self.price) == (other.name, other.price)

    def __hash__(self):
        return hash((self.name, self.price))

    def __repr__(self):
        return f"Product(name={self.name!r}, price={self.price!r})"


class Cart:
    """A shopping cart: products and how many units of each."""

    def __init__(self):
        """Create an empty cart."""
        self._quantities: dict[Product, int] = {}

    def add(self, product: Product, qty: int = 1) -> None:
        """Add qty units of product; qty must be an int >= 1 (ValueError)."""
        if not isinstance(product, Product):
            raise TypeError("only a Product can be added to the cart")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise ValueError(f"qty must be a whole number >= 1, got {qty!r}")
        self._quantities[product] = self._quantities.get(product, 0) + qty

    def remove(self, product: Product, qty: int | None = None) -> None:
        """Remove qty units of product, or all of them when qty is None.

        Raises KeyError if product is not in the cart, and ValueError if qty
        is less than 1 or more than the quantity in the cart.
        """
        if product not in self._quantities:
            raise KeyError(product)
        current = self._quantities[product]
        if qty is None:
            del self._quantities[product]
            return
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= current:
            raise ValueError(f"qty must be between 1 and {current}, got {qty!r}")
        if qty == current:
            del self._quantities[product]
        else:
            self._quantities[product] = current - qty

    def quantity(self, product: Product) -> int:
        """Return how many units of product are in the cart (0 if none)."""
        return self._quantities.get(product, 0)

    def total(self) -> float:
        """Return the sum of price * quantity, rounded to 2 decimals."""
        return round(sum(p.price * q for p, q in self._quantities.items()), 2)

    def item_count(self) -> int:
        """Return the number of units in the cart."""
        return sum(self._quantities.values())
