import math
from abc import ABC, abstractmethod


def validate(value):
    if not isinstance(value, (int, float)):
        raise TypeError("dimension must be a number")
    if value < 0:
        raise ValueError("dimension must not be negative")


class Shape(ABC):
    @abstractmethod
    def area(self):
        ...

    @abstractmethod
    def perimeter(self):
        ...


class Rectangle(Shape):
    def __init__(self, width, height):
        validate(width)
        validate(height)
        self.width = width
        self.height = height

    def area(self):
        return self.width * self.height

    def perimeter(self):
        return 2 * (self.width + self.height)

    def __repr__(self):
        return f"Rectangle(width={self.width!r}, height={self.height!r})"

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return (self.width, self.height) == (other.width, other.height)


class Square(Rectangle):
    def __init__(self, side):
        super().__init__(side, side)
        self.side = side

    def __repr__(self):
        return f"Square(side={self.side!r})"


class Circle(Shape):
    def __init__(self, radius):
        validate(radius)
        self.radius = radius

    def area(self):
        return math.pi * self.radius ** 2

    def perimeter(self):
        return 2 * math.pi * self.radius

    def __repr__(self):
        return f"Circle(radius={self.radius!r})"

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.radius == other.radius
