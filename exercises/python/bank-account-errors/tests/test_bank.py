import pytest

from bank import AccountClosed, BankAccount, BankError, InsufficientFunds, InvalidAmount


def test_new_account():
    assert BankAccount("Ann").balance == 0, "the default opening balance is 0"
    account = BankAccount("Ann", 100)
    assert account.owner == "Ann"
    assert account.balance == 100


def test_deposit_and_withdraw_return_new_balance():
    account = BankAccount("Ann", 100)
    assert account.deposit(50) == 150
    assert account.withdraw(30) == 120
    assert account.balance == 120


def test_withdraw_too_much_raises_insufficient_funds():
    account = BankAccount("Ann", 50)
    with pytest.raises(InsufficientFunds) as excinfo:
        account.withdraw(80)
    assert account.balance == 50, "a failed withdrawal must not change the balance"
    assert (excinfo.value.balance, excinfo.value.amount) == (50, 80), "InsufficientFunds keeps .balance and .amount"


@pytest.mark.parametrize(
    "method, amount",
    [("deposit", 0), ("deposit", -5), ("withdraw", 0), ("withdraw", -5)],
    ids=["deposit-zero", "deposit-negative", "withdraw-zero", "withdraw-negative"],
)
def test_invalid_amounts_raise(method, amount):
    account = BankAccount("Ann", 100)
    with pytest.raises(InvalidAmount):
        getattr(account, method)(amount)
    assert account.balance == 100


def test_transfer_moves_money():
    ann, bob = BankAccount("Ann", 100), BankAccount("Bob")
    ann.transfer(bob, 30)
    assert (ann.balance, bob.balance) == (70, 30)


def test_transfer_without_enough_money_changes_nothing():
    ann, bob = BankAccount("Ann", 20), BankAccount("Bob", 5)
    with pytest.raises(InsufficientFunds):
        ann.transfer(bob, 30)
    assert (ann.balance, bob.balance) == (20, 5), "a failed transfer must not move any money"


def test_closed_account_rejects_deposit():
    account = BankAccount("Ann", 10)
    account.close()
    with pytest.raises(AccountClosed):
        account.deposit(5)
    assert account.balance == 10


def test_exception_hierarchy():
    for error in (InvalidAmount, InsufficientFunds, AccountClosed):
        assert issubclass(error, BankError), f"{error.__name__} must be a subclass of BankError"
    assert issubclass(BankError, Exception)
