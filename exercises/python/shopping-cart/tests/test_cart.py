import pytest

from cart import Cart, Product


def test_product_stores_name_and_price():
    pen = Product("Pen", 1.5)
    assert pen.name == "Pen"
    assert pen.price == 1.5


@pytest.mark.parametrize(
    "name, price",
    [("", 1.0), ("Pen", -1)],
    ids=["empty-name", "negative-price"],
)
def test_product_rejects_invalid_values(name, price):
    with pytest.raises(ValueError):
        Product(name, price)


def test_empty_cart():
    cart = Cart()
    assert cart.total() == 0, "an empty cart costs nothing"
    assert cart.item_count() == 0, "an empty cart holds no items"


def test_add_and_total():
    cart = Cart()
    cart.add(Product("Apple", 0.5), 4)
    cart.add(Product("Bread", 2.25))
    assert cart.total() == 4.25, f"4 x 0.50 + 1 x 2.25 is 4.25, got {cart.total()!r}"
    assert cart.item_count() == 5


def test_adding_same_product_again_increases_quantity():
    cart = Cart()
    apple = Product("Apple", 0.5)
    cart.add(apple, 2)
    cart.add(apple, 3)
    assert cart.quantity(apple) == 5, f"2 + 3 apples make 5, got {cart.quantity(apple)}"
    assert cart.item_count() == 5


def test_remove_whole_product():
    cart = Cart()
    apple, bread = Product("Apple", 0.5), Product("Bread", 2.25)
    cart.add(apple, 4)
    cart.add(bread)
    cart.remove(apple)
    assert cart.quantity(apple) == 0, "remove() without qty removes every unit"
    assert cart.total() == 2.25
    assert cart.item_count() == 1


def test_remove_missing_product_raises_key_error():
    cart = Cart()
    cart.add(Product("Apple", 0.5))
    with pytest.raises(KeyError):
        cart.remove(Product("Milk", 1.2))
