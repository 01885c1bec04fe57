"""Visible tests: learners see their code, messages and output."""

import pytest

from {{module}} import count_vowels


@pytest.mark.parametrize(
    ("text", "expected"),
    [("grader", 2), ("", 0), ("rhythm", 0)],
    ids=["word", "empty", "no-vowels"],
)
def test_counts_vowels(text, expected):
    assert count_vowels(text) == expected
