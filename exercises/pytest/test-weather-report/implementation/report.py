"""One line about the weather, from a service the tests must not call."""

import weather_api


def describe(city):
    """`<city>: <temperature>°C`, then `freezing` below 0 °C and `windy`
    from 40 km/h of wind, comma-separated."""
    data = weather_api.fetch(city)
    if data is None:
        raise LookupError(f"unknown city: {city}")
    words = [f"{city}: {round(data['temp_c'])}°C"]
    if data["temp_c"] < 0:
        words.append("freezing")
    if data["wind_kmh"] >= 40:
        words.append("windy")
    return ", ".join(words)
