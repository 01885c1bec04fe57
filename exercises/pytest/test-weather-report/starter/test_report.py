import report


def test_describe_exists():
    assert callable(report.describe)
