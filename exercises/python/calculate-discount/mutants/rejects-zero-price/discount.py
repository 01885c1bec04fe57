def calculate_discount(price, percent):
    """Return `price` reduced by `percent` percent, rounded to 2 decimals."""
    if not isinstance(price, (int, float)) or not isinstance(percent, (int, float)):
        raise TypeError("price and percent must be numbers")
    if price <= 0:
        raise ValueError("price must be positive")
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return round(price * (100 - percent) / 100, 2)
