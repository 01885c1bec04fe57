import pytest

from cart import Cart, Product


def test_equal_products_are_equal_and_hash_the_same():
    assert Product("Tea", 3.5) == Product("Tea", 3.5), "same name and price means equal products"
    assert hash(Product("Tea", 3.5)) == hash(Product("Tea", 3.5)), "equal products must have equal hashes"
    assert Product("Tea", 3.5) != Product("Tea", 4.0), "a different price means a different product"
    assert Product("Tea", 3.5) != Product("Coffee", 3.5), "a different name means a different product"


def test_equal_products_share_one_line():
    cart = Cart()
    cart.add(Product("Apple", 0.5), 2)
    cart.add(Product("Apple", 0.5), 3)
    got = cart.quantity(Product("Apple", 0.5))
    assert got == 5, f"two equal Product objects are the same product: expected quantity 5, got {got}"


def test_remove_with_an_equal_product():
    cart = Cart()
    cart.add(Product("Pen", 1.0), 2)
    cart.remove(Product("Pen", 1.0))
    assert cart.item_count() == 0


def test_total_is_rounded():
    cart = Cart()
    cart.add(Product("Pen", 0.1), 3)
    assert cart.total() == 0.3, f"3 x 0.10 is 0.30 once rounded to 2 decimals, got {cart.total()!r}"


@pytest.mark.parametrize("qty", [0, -2, 1.5], ids=["zero", "negative", "fraction"])
def test_add_invalid_quantity_raises(qty):
    cart = Cart()
    with pytest.raises(ValueError):
        cart.add(Product("Pen", 1.0), qty)


def test_remove_part_of_quantity():
    cart = Cart()
    apple = Product("Apple", 0.5)
    cart.add(apple, 5)
    cart.remove(apple, 2)
    assert cart.quantity(apple) == 3
    assert cart.total() == 1.5


def test_removing_exact_quantity_removes_product():
    cart = Cart()
    apple = Product("Apple", 0.5)
    cart.add(apple, 2)
    cart.remove(apple, 2)
    assert cart.quantity(apple) == 0
    assert cart.item_count() == 0
    with pytest.raises(KeyError):
        cart.remove(apple)


def test_remove_too_many_raises_and_keeps_cart():
    cart = Cart()
    apple = Product("Apple", 0.5)
    cart.add(apple, 2)
    with pytest.raises(ValueError):
        cart.remove(apple, 3)
    assert cart.quantity(apple) == 2, "a failed remove() must leave the cart unchanged"


@pytest.mark.parametrize(
    "name, price, error",
    [("   ", 1.0, ValueError), (None, 1.0, ValueError), ("Pen", "1.50", TypeError), ("Pen", None, TypeError)],
    ids=["blank-name", "none-name", "string-price", "none-price"],
)
def test_more_invalid_products(name, price, error):
    with pytest.raises(error):
        Product(name, price)


def test_free_product_is_allowed():
    cart = Cart()
    cart.add(Product("Sample", 0))
    assert cart.total() == 0
    assert cart.item_count() == 1
