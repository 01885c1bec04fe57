import math
from abc import ABC, abstractmethod


class Shape:
    """Abstract base class of all shapes: make it abstract with ABC and
    @abstractmethod, so that Shape() raises TypeError."""

    def area(self) -> float:
        """Return the area of the shape."""
        raise NotImplementedError

    def perimeter(self) -> float:
        """Return the perimeter of the shape."""
        raise NotImplementedError


class Rectangle(Shape):
    """A rectangle with positive width and height."""

    def __init__(self, width, height):
        """Raise TypeError for a non-number and ValueError for a dimension <= 0."""
        raise NotImplementedError

    def area(self) -> float:
        raise NotImplementedError

    def perimeter(self) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        """Return e.g. 'Rectangle(width=2, height=3)'."""
        raise NotImplementedError

    def __eq__(self, other) -> bool:
        """Equal to a shape of the same class with the same dimensions."""
        raise NotImplementedError


class Square(Rectangle):
    """A rectangle whose width and height are both `side`."""

    def __init__(self, side):
        raise NotImplementedError

    def __repr__(self) -> str:
        """Return e.g. 'Square(side=2)'."""
        raise NotImplementedError


class Circle(Shape):
    """A circle with a positive radius."""

    def __init__(self, radius):
        raise NotImplementedError

    def area(self) -> float:
        raise NotImplementedError

    def perimeter(self) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        """Return e.g. 'Circle(radius=1.5)'."""
        raise NotImplementedError

    def __eq__(self, other) -> bool:
        raise NotImplementedError
