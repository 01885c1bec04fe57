class BankError(Exception):
    """Base class of every error raised by BankAccount."""


class InvalidAmount(BankError):
    """An amount (or opening balance) that is not valid."""


class InsufficientFunds(BankError):
    """Not enough money in the account; keeps .balance and .amount."""

    def __init__(self, balance, amount):
        raise NotImplementedError


class AccountClosed(BankError):
    """The account (or the other account of a transfer) is closed."""


class BankAccount:
    """A bank account with an owner and a balance."""

    def __init__(self, owner: str, balance: float = 0):
        """Raise InvalidAmount if balance is negative or not a number."""
        raise NotImplementedError

    def deposit(self, amount) -> float:
        """Add a positive amount and return the new balance."""
        raise NotImplementedError

    def withdraw(self, amount) -> float:
        """Take out a positive amount and return the new balance.

        Raises InsufficientFunds if amount is more than the balance.
        """
        raise NotImplementedError

    def transfer(self, other: "BankAccount", amount) -> None:
        """Move amount from this account to other, completely or not at all."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the account: later deposits, withdrawals and transfers raise
        AccountClosed."""
        raise NotImplementedError
