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


class Cart:
    def __init__(self):
        self.items = {}

    def add(self, product, qty=1):
        if not isinstance(qty, int) or qty < 1:
            raise ValueError("qty must be at least 1")
        self.items[product] = self.items.get(product, 0) + qty

    def remove(self, product, qty=None):
        if product not in self.items:
            raise KeyError(product)
        if qty is None:
            del self.items[product]
            return
        if qty < 1 or qty > self.items[product]:
            raise ValueError("bad qty")
        self.items[product] -= qty
        if self.items[product] == 0:
            del self.items[product]

    def quantity(self, product):
        return self.items.get(product, 0)

    def total(self):
        return round(sum(p.price * q for p, q in self.items.items()), 2)

    def item_count(self):
        return sum(self.items.values())
