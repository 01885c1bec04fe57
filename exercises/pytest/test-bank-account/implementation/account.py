class InsufficientFunds(Exception):
    """A withdrawal larger than the balance."""


class Account:
    """A bank account: a balance that deposits raise and withdrawals
    lower, never below zero."""

    def __init__(self, owner, balance=0):
        if balance < 0:
            raise ValueError("an opening balance cannot be negative")
        self.owner = owner
        self._balance = balance
        self.history = []

    @property
    def balance(self):
        return self._balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("a deposit must be positive")
        self._balance += amount
        self.history.append(("deposit", amount))

    def withdraw(self, amount):
        if amount <= 0:
            raise ValueError("a withdrawal must be positive")
        if amount > self._balance:
            raise InsufficientFunds(f"cannot withdraw {amount} from {self._balance}")
        self._balance -= amount
        self.history.append(("withdraw", amount))
