"""The weather service's client. It goes over the network, which a test
run does not have: a test replaces `fetch`."""


def fetch(city):
    """`{"temp_c": float, "wind_kmh": float}` for `city`, or None when
    the service does not know it."""
    raise RuntimeError("weather_api.fetch needs the network; fake it in tests")
