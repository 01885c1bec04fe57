class Product:
    def __init__(self, name, price):
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        if not isinstance(price, (int, float)):
            raise TypeError("price must be a number")
        if price < 0:
            raise ValueError("price must not be negative")
        self.name = name
        self.price = price

    def __eq__(self, other):
        if not isinstance(other, Product):
            return NotImplemented
        return (self.name, self.price) == (other.name, other.price)

    def __hash__(self):
        return hash((self.name, self.price))


class Cart:
    def __init__(self):
        self._quantities = {}

    def add(self, product, qty=1):
        if not isinstance(qty, int) or qty < 1:
            raise ValueError("qty must be at least 1")
        self._quantities[product] = self._quantities.get(product, 0) + qty

    def remove(self, product, qty=None):
        if product not in self._quantities:
            raise KeyError(product)
        if qty is not None and qty < 1:
            raise ValueError("qty must be at least 1")
        if qty is None or qty >= self._quantities[product]:
            del self._quantities[product]
        else:
            self._quantities[product] -= qty

    def quantity(self, product):
        return self._quantities.get(product, 0)

    def total(self):
        return round(sum(p.price * q for p, q in self._quantities.items()), 2)

    def item_count(self):
        return sum(self._quantities.values())
