class BankError(Exception):
    pass


class InvalidAmount(BankError):
    pass


class InsufficientFunds(BankError):
    def __init__(self, balance, amount):
        super().__init__(f"balance {balance} is less than {amount}")
        self.balance = balance
        self.amount = amount


class AccountClosed(BankError):
    pass


class BankAccount:
    def __init__(self, owner, balance=0):
        if balance < 0:
            raise InvalidAmount("opening balance must not be negative")
        self.owner = owner
        self.balance = balance
        self.closed = False

    def _check(self, amount):
        if self.closed:
            raise AccountClosed("account is closed")
        if amount <= 0:
            raise InvalidAmount("amount must be positive")

    def deposit(self, amount):
        self._check(amount)
        self.balance += amount
        return self.balance

    def withdraw(self, amount):
        self._check(amount)
        if amount > self.balance:
            raise InsufficientFunds(self.balance, amount)
        self.balance -= amount
        return self.balance

    def transfer(self, other, amount):
        if not isinstance(other, BankAccount):
            raise TypeError("not an account")
        if other.closed:
            raise AccountClosed("target account is closed")
        self.withdraw(amount)
        other.balance += amount

    def close(self):
        self.closed = True
