def calculate_discount(price, percent):
    """Return `price` reduced by `percent` percent, rounded to 2 decimals.

    price:   the original price, an int or float >= 0.
    percent: the discount in percent, an int or float from 0 to 100.

    Raises TypeError if price or percent is not a number, and ValueError
    if price is negative or percent is outside 0..100.
    """
    raise NotImplementedError
