import math
from abc import ABC, abstractmethod


def check(value):
    if not isinstance(value, (int, float)):
        raise TypeError("dimension must be a number")
    if value <= 0:
        raise ValueError("dimension must be positive")


class Shape(ABC):
    @abstractmethod
    def area(self):
        pass

    @abstractmethod
    def perimeter(self):
        pass


class Rectangle(Shape):
    def __init__(self, width, height):
        check(width)
        check(height)
        self.width = width
        self.height = height

    def area(self):
        return self.width * self.height

    def perimeter(self):
        return 2 * (self.width + self.height)

    def __repr__(self):
        return f"{type(self).__name__}(width={self.width}, height={self.height})"

    def __eq__(self, other):
        if not isinstance(other, Rectangle):
            return False
        return self.width == other.width and self.height == other.height


class Square(Rectangle):
    def __init__(self, side):
        super().__init__(side, side)
        self.side = side

    def __repr__(self):
        return f"Square(side={self.side})"


class Circle(Shape):
    def __init__(self, radius):
        check(radius)
        self.radius = radius

    def area(self):
        return math.pi * self.radius ** 2

    def perimeter(self):
        return 2 * math.pi * self.radius

    def __repr__(self):
        return f"Circle(radius={self.radius})"

    def __eq__(self, other):
        return isinstance(other, Circle) and self.radius == other.radius
