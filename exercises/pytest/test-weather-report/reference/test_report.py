import pytest

import report
import weather_api


def fake(monkeypatch, **cities):
    asked = []

    def fetch(city):
        asked.append(city)
        return cities.get(city)

    monkeypatch.setattr(weather_api, "fetch", fetch)
    return asked


def test_a_mild_day(monkeypatch):
    asked = fake(monkeypatch, Oslo={"temp_c": 12.4, "wind_kmh": 10})
    assert report.describe("Oslo") == "Oslo: 12°C"
    assert asked == ["Oslo"]


def test_temperature_is_rounded(monkeypatch):
    fake(monkeypatch, Oslo={"temp_c": 12.6, "wind_kmh": 10})
    assert report.describe("Oslo") == "Oslo: 13°C"


def test_freezing_below_zero_only(monkeypatch):
    fake(monkeypatch, A={"temp_c": -0.5, "wind_kmh": 0}, B={"temp_c": 0, "wind_kmh": 0})
    assert report.describe("A") == "A: 0°C, freezing"
    assert report.describe("B") == "B: 0°C"


def test_windy_from_40(monkeypatch):
    fake(monkeypatch, A={"temp_c": 5, "wind_kmh": 40}, B={"temp_c": 5, "wind_kmh": 39.9})
    assert report.describe("A") == "A: 5°C, windy"
    assert report.describe("B") == "B: 5°C"


def test_both(monkeypatch):
    fake(monkeypatch, A={"temp_c": -3, "wind_kmh": 50})
    assert report.describe("A") == "A: -3°C, freezing, windy"


def test_an_unknown_city_raises_lookup_error(monkeypatch):
    fake(monkeypatch)
    with pytest.raises(LookupError):
        report.describe("Atlantis")
