from calls import add


def test_ten_thousand_calls():
    for i in range(10_000):
        assert add(i, 1) == i + 1
