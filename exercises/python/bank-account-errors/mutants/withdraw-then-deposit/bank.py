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
        if not isinstance(balance, (int, float)) or balance < 0:
            raise InvalidAmount("bad opening balance")
        self.owner = owner
        self.balance = balance
        self.closed = False

    def _validate(self, amount):
        if self.closed:
            raise AccountClosed("account is closed")
        if not isinstance(amount, (int, float)) or amount <= 0:
            raise InvalidAmount("amount must be positive")

    def deposit(self, amount):
        self._validate(amount)
        self.balance += amount
        return self.balance

    def withdraw(self, amount):
        self._validate(amount)
        if amount > self.balance:
            raise InsufficientFunds(self.balance, amount)
        self.balance -= amount
        return self.balance

    def transfer(self, other, amount):
        self.withdraw(amount)
        other.deposit(amount)

    def close(self):
        self.closed = True
