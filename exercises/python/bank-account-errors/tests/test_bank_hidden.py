import pytest

from bank import AccountClosed, BankAccount, BankError, InsufficientFunds, InvalidAmount


def test_withdraw_entire_balance():
    account = BankAccount("Ann", 40)
    assert account.withdraw(40) == 0, "taking out exactly the whole balance is allowed"


def test_transfer_entire_balance():
    ann, bob = BankAccount("Ann", 40), BankAccount("Bob")
    ann.transfer(bob, 40)
    assert (ann.balance, bob.balance) == (0, 40)


@pytest.mark.parametrize(
    "method, amount",
    [("deposit", "10"), ("deposit", None), ("withdraw", "10"), ("withdraw", None)],
    ids=["deposit-string", "deposit-none", "withdraw-string", "withdraw-none"],
)
def test_non_number_amounts_raise_invalid_amount(method, amount):
    account = BankAccount("Ann", 100)
    with pytest.raises(InvalidAmount):
        getattr(account, method)(amount)
    assert account.balance == 100


@pytest.mark.parametrize("balance", [-1, "100"], ids=["negative", "string"])
def test_invalid_opening_balance_raises(balance):
    with pytest.raises(InvalidAmount):
        BankAccount("Ann", balance)


def test_closed_account_rejects_withdraw():
    account = BankAccount("Ann", 10)
    account.close()
    with pytest.raises(AccountClosed):
        account.withdraw(5)
    assert account.balance == 10, "the balance of a closed account can still be read"


def test_transfer_to_closed_account_changes_nothing():
    ann, bob = BankAccount("Ann", 100), BankAccount("Bob", 0)
    bob.close()
    with pytest.raises(AccountClosed):
        ann.transfer(bob, 30)
    assert (ann.balance, bob.balance) == (100, 0), "the money must not leave Ann's account when the transfer fails"


def test_transfer_from_closed_account_raises():
    ann, bob = BankAccount("Ann", 100), BankAccount("Bob", 0)
    ann.close()
    with pytest.raises(AccountClosed):
        ann.transfer(bob, 30)
    assert (ann.balance, bob.balance) == (100, 0)


def test_transfer_to_non_account_changes_nothing():
    ann = BankAccount("Ann", 100)
    with pytest.raises(TypeError):
        ann.transfer("Bob", 30)
    assert ann.balance == 100, "the money must not leave Ann's account when the transfer fails"


@pytest.mark.parametrize("amount", [0, -10, "5"], ids=["zero", "negative", "string"])
def test_transfer_invalid_amount_changes_nothing(amount):
    ann, bob = BankAccount("Ann", 100), BankAccount("Bob", 0)
    with pytest.raises(InvalidAmount):
        ann.transfer(bob, amount)
    assert (ann.balance, bob.balance) == (100, 0)


def test_errors_can_be_caught_as_bank_error():
    account = BankAccount("Ann", 10)
    try:
        account.withdraw(20)
    except BankError as error:
        assert isinstance(error, InsufficientFunds)
    else:
        pytest.fail("withdrawing 20 from a balance of 10 must raise")


def test_float_amounts():
    account = BankAccount("Ann")
    account.deposit(0.1)
    account.deposit(0.2)
    assert account.balance == pytest.approx(0.3)
