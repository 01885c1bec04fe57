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


def check_amount(amount):
    if not isinstance(amount, (int, float)) or amount <= 0:
        raise InvalidAmount("amount must be a positive number")


class BankAccount:
    def __init__(self, owner, balance=0):
        if not isinstance(balance, (int, float)) or balance < 0:
            raise InvalidAmount("bad opening balance")
        self.owner = owner
        self.balance = balance
        self.closed = False

    def _check_open(self):
        if self.closed:
            raise AccountClosed("account is closed")

    def _check_funds(self, amount):
        if amount >= self.balance:
            raise InsufficientFunds(self.balance, amount)

    def deposit(self, amount):
        self._check_open()
        check_amount(amount)
        self.balance += amount
        return self.balance

    def withdraw(self, amount):
        self._check_open()
        check_amount(amount)
        self._check_funds(amount)
        self.balance -= amount
        return self.balance

    def transfer(self, other, amount):
        if not isinstance(other, BankAccount):
            raise TypeError("not an account")
        self._check_open()
        other._check_open()
        check_amount(amount)
        self._check_funds(amount)
        self.balance -= amount
        other.balance += amount

    def close(self):
        self.closed = True
