import math
from abc import ABC, abstractmethod


def _check_dimension(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


class Shape(ABC):
    """Abstract base class of all shapes."""

    @abstractmethod
    def area(self) -> float:
        """Return the area of the shape."""

    @abstractmethod
    def perimeter(self) -> float:
        """Return the perimeter of the shape."""


class Rectangle(Shape):
    """A rectangle with positive width and height."""

    def __init__(self, width, height):
        """Raise TypeError for a non-number and ValueError for a dimension <= 0."""
        _check_dimension("width", width)
        _check_dimension("height", height)
        self.width = width
        self.height = height

    def area(self) -> float:
        return self.width * self.height

    def perimeter(self) -> float:
        return 2 * (self.width + self.height)

    def __repr__(self) -> str:
        return f"Rectangle(width={self.width!r}, height={self.height!r})"

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (self.width, self.height) == (other.width, other.height)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.width, self.height))


class Square(Rectangle):
    """A rectangle whose width and height are both `side`."""

    def __init__(self, side):
        _check_dimension("side", side)
        super().__init__(side, side)

    @property
    def side(self):
        return self.width

    def __repr__(self) -> str:
        return f"Square(side={self.side!r})"


class Circle(Shape):
    """A circle with a positive radius."""

    def __init__(self, radius):
        _check_dimension("radius", radius)
        self.radius = radius

    def area(self) -> float:
        return math.pi * self.radius ** 2

    def perimeter(self) -> float:
        return 2 * math.pi * self.radius

    def __repr__(self) -> str:
        return f"Circle(radius={self.radius!r})"

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.radius == other.radius

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.radius))
