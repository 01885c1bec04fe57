import pytest

from account import Account, InsufficientFunds


def test_a_new_account_holds_its_opening_balance():
    assert Account("ann", 10).balance == 10
    assert Account("ann").balance == 0


def test_a_negative_opening_balance_is_refused():
    with pytest.raises(ValueError):
        Account("ann", -1)


def test_deposit_and_withdraw_change_the_balance():
    account = Account("ann", 10)
    account.deposit(5)
    account.withdraw(3)
    assert account.balance == 12


@pytest.mark.parametrize("amount", [0, -5])
def test_a_deposit_must_be_positive(amount):
    with pytest.raises(ValueError):
        Account("ann").deposit(amount)


def test_the_whole_balance_can_be_withdrawn():
    account = Account("ann", 10)
    account.withdraw(10)
    assert account.balance == 0


def test_an_overdraft_is_refused_and_changes_nothing():
    account = Account("ann", 10)
    with pytest.raises(InsufficientFunds):
        account.withdraw(11)
    assert account.balance == 10
    assert account.history == []


def test_history_lists_each_operation_in_order():
    account = Account("ann")
    account.deposit(7)
    account.withdraw(2)
    assert account.history == [("deposit", 7), ("withdraw", 2)]
