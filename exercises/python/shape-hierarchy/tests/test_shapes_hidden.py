import math

import pytest

from shapes import Circle, Rectangle, Shape, Square


def test_shape_cannot_be_instantiated():
    with pytest.raises(TypeError):
        Shape()


def test_incomplete_subclass_cannot_be_instantiated():
    class Triangle(Shape):
        def area(self):
            return 1.0

    with pytest.raises(TypeError):
        Triangle()


@pytest.mark.parametrize(
    "side, expected", [(2, "Square(side=2)"), (1.5, "Square(side=1.5)")], ids=["int-side", "float-side"]
)
def test_square_repr(side, expected):
    assert repr(Square(side)) == expected


def test_square_has_side_width_and_height():
    square = Square(3)
    assert (square.side, square.width, square.height) == (3, 3, 3)


def test_square_is_not_equal_to_same_size_rectangle():
    assert Rectangle(2, 2) == Rectangle(2, 2), "equal rectangles are equal"
    assert Square(2) != Rectangle(2, 2), "shapes of different classes are never equal"
    assert Rectangle(2, 2) != Square(2), "shapes of different classes are never equal"


def test_squares_compare_by_side():
    assert Square(2) == Square(2)
    assert Square(2) != Square(3)


def test_not_equal_to_other_objects():
    assert Circle(1) == Circle(1), "equal circles are equal"
    assert Rectangle(2, 3) != "Rectangle(width=2, height=3)"
    assert Circle(1) != 1
    assert Circle(1) != Square(1)


@pytest.mark.parametrize(
    "make",
    [lambda: Square(0), lambda: Square(-2), lambda: Circle(0), lambda: Rectangle(3, 0)],
    ids=["zero-square", "negative-square", "zero-circle", "zero-height"],
)
def test_more_invalid_dimensions_raise(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    "make",
    [lambda: Rectangle("2", 3), lambda: Circle(None), lambda: Square("1")],
    ids=["string-width", "none-radius", "string-side"],
)
def test_non_number_dimensions_raise_type_error(make):
    with pytest.raises(TypeError):
        make()


def test_float_dimensions():
    rect = Rectangle(1.5, 2)
    assert rect.area() == pytest.approx(3.0)
    assert rect.perimeter() == pytest.approx(7.0)


def test_shapes_work_polymorphically():
    shapes = [Rectangle(2, 3), Square(2), Circle(1)]
    assert all(isinstance(shape, Shape) for shape in shapes)
    assert sum(shape.area() for shape in shapes) == pytest.approx(10 + math.pi)
