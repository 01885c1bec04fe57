import math
from abc import ABC, abstractmethod


class Shape(ABC):
    @abstractmethod
    def area(self):
        ...

    @abstractmethod
    def perimeter(self):
        ...

    @staticmethod
    def _validate(value):
        if not isinstance(value, (int, float)):
            raise TypeError("dimensions must be numbers")
        if value <= 0:
            raise ValueError("dimensions must be positive")


class Rectangle(Shape):
    def __init__(self, width, height):
        self._validate(width)
        self._validate(height)
        self.width = width
        self.height = height

    def area(self):
        return self.width * self.height

    def perimeter(self):
        return 2 * (self.width + self.height)

    def __repr__(self):
        return f"Rectangle(width={self.width!r}, height={self.height!r})"

    def __eq__(self, other):
        if type(self) != type(other):
            return False
        return self.width == other.width and self.height == other.height


class Square(Rectangle):
    def __init__(self, side):
        super().__init__(side, side)
        self.side = side


class Circle(Shape):
    def __init__(self, radius):
        self._validate(radius)
        self.radius = radius

    def area(self):
        return math.pi * self.radius * self.radius

    def perimeter(self):
        return 2 * math.pi * self.radius

    def __repr__(self):
        return f"Circle(radius={self.radius!r})"

    def __eq__(self, other):
        if type(self) != type(other):
            return False
        return self.radius == other.radius
