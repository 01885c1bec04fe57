from account import Account


def test_an_account_has_an_owner():
    assert Account("ann").owner == "ann"
