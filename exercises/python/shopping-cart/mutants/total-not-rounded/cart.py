class Product:
    def __init__(self, name, price):
        if not isinstance(name, str) or name.strip() == "":
            raise ValueError("name must be a non-empty string")
        if not isinstance(price, (int, float)):
            raise TypeError("price must be a number")
        if price < 0:
            raise ValueError("price must not be negative")
        self.name = name
        self.price = price

    def __eq__(self, other):
        return isinstance(other, Product) and self.name == other.name and self.price == other.price

    def __hash__(self):
        return hash((self.name, self.price))


class Cart:
    def __init__(self):
        self.lines = []

    def _find(self, product):
        for line in self.lines:
            if line[0] == product:
                return line
        return None

    def add(self, product, qty=1):
        if not isinstance(qty, int) or qty < 1:
            raise ValueError("qty must be at least 1")
        line = self._find(product)
        if line:
            line[1] += qty
        else:
            self.lines.append([product, qty])

    def remove(self, product, qty=None):
        line = self._find(product)
        if line is None:
            raise KeyError(product)
        if qty is None:
            self.lines.remove(line)
            return
        if qty < 1 or qty > line[1]:
            raise ValueError("bad qty")
        line[1] -= qty
        if line[1] == 0:
            self.lines.remove(line)

    def quantity(self, product):
        line = self._find(product)
        return line[1] if line else 0

    def total(self):
        total = 0
        for product, qty in self.lines:
            total += product.price * qty
        return total

    def item_count(self):
        return sum(qty for _, qty in self.lines)
