class BankError(Exception):
    """Base class of every error raised by BankAccount."""


class InvalidAmount(BankError):
    """An amount (or opening balance) that is not valid."""


class InsufficientFunds(BankError):
    """Not enough money in the account; keeps .balance and .amount."""

    def __init__(self, balance, amount):
        super().__init__(f"cannot take out {amount}: the balance is only {balance}")
        self.balance = balance
        self.amount = amount


class AccountClosed(BankError):
    """The account (or the other account of a transfer) is closed."""


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_amount(amount):
    if not _is_number(amount) or not amount > 0:
        raise InvalidAmount(f"amount must be a positive number, got {amount!r}")


class BankAccount:
    """A bank account with an owner and a balance."""

    def __init__(self, owner: str, balance: float = 0):
        """Raise InvalidAmount if balance is negative or not a number."""
        if not _is_number(balance) or balance < 0:
            raise InvalidAmount(f"opening balance must be a number >= 0, got {balance!r}")
        self.owner = owner
        self._balance = balance
        self._closed = False

    @property
    def balance(self):
        return self._balance

    def _check_open(self):
        if self._closed:
            raise AccountClosed(f"the account of {self.owner} is closed")

    def deposit(self, amount) -> float:
        """Add a positive amount and return the new balance."""
        self._check_open()
        _check_amount(amount)
        self._balance += amount
        return self._balance

    def withdraw(self, amount) -> float:
        """Take out a positive amount and return the new balance.

        Raises InsufficientFunds if amount is more than the balance.
        """
        self._check_open()
        _check_amount(amount)
        if amount > self._balance:
            raise InsufficientFunds(self._balance, amount)
        self._balance -= amount
        return self._balance

    def transfer(self, other: "BankAccount", amount) -> None:
        """Move amount from this account to other, completely or not at all."""
        if not isinstance(other, BankAccount):
            raise TypeError(f"can only transfer to a BankAccount, not {type(other).__name__}")
        # Check everything that can fail before changing anything.
        self._check_open()
        other._check_open()
        _check_amount(amount)
        if amount > self._balance:
            raise InsufficientFunds(self._balance, amount)
        self._balance -= amount
        other._balance += amount

    def close(self) -> None:
        """Close the account: later deposits, withdrawals and transfers raise
        AccountClosed."""
        self._closed = True
