import math

import pytest

from shapes import Circle, Rectangle, Shape, Square


def test_rectangle_area_and_perimeter():
    rect = Rectangle(2, 3)
    assert rect.width == 2 and rect.height == 3
    assert rect.area() == 6
    assert rect.perimeter() == 10


def test_square_is_a_rectangle():
    square = Square(4)
    assert isinstance(square, Rectangle), "Square must be a subclass of Rectangle"
    assert isinstance(square, Shape)
    assert square.area() == 16
    assert square.perimeter() == 16


def test_circle_area_and_perimeter():
    circle = Circle(2)
    assert circle.area() == pytest.approx(4 * math.pi)
    assert circle.perimeter() == pytest.approx(4 * math.pi)


@pytest.mark.parametrize(
    "make, expected",
    [(lambda: Rectangle(2, 3), "Rectangle(width=2, height=3)"), (lambda: Circle(1.5), "Circle(radius=1.5)")],
    ids=["rectangle", "circle"],
)
def test_repr(make, expected):
    assert repr(make()) == expected


def test_equality():
    assert Rectangle(2, 3) == Rectangle(2, 3)
    assert Rectangle(2, 3) != Rectangle(3, 2), "width and height are not interchangeable"
    assert Circle(1) == Circle(1)
    assert Circle(1) != Circle(2)


@pytest.mark.parametrize(
    "make",
    [lambda: Rectangle(0, 3), lambda: Rectangle(2, -1), lambda: Circle(-1)],
    ids=["zero-width", "negative-height", "negative-radius"],
)
def test_invalid_dimensions_raise(make):
    with pytest.raises(ValueError):
        make()
