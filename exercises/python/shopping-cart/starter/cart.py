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
        raise NotImplementedError


class Cart:
    """A shopping cart: products and how many units of each."""

    def __init__(self):
        """Create an empty cart."""
        raise NotImplementedError

    def add(self, product: Product, qty: int = 1) -> None:
        """Add qty units of product; qty must be an int >= 1 (ValueError)."""
        raise NotImplementedError

    def remove(self, product: Product, qty: int | None = None) -> None:
        """Remove qty units of product, or all of them when qty is None.

        Raises KeyError if product is not in the cart, and ValueError if qty
        is less than 1 or more than the quantity in the cart.
        """
        raise NotImplementedError

    def quantity(self, product: Product) -> int:
        """Return how many units of product are in the cart (0 if none)."""
        raise NotImplementedError

    def total(self) -> float:
        """Return the sum of price * quantity, rounded to 2 decimals."""
        raise NotImplementedError

    def item_count(self) -> int:
        """Return the number of units in the cart."""
        raise NotImplementedError
