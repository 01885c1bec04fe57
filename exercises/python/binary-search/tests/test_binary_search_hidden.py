import pytest

from search import binary_search


class CountingSequence:
    """A sorted read-only sequence that counts how many elements are looked at,
    and stops a search that looks at more than `budget` of them: a linear walk
    over 100000 elements fails at once with the count, not at the test's
    time limit."""

    def __init__(self, length, value_at, budget=1_000):
        self._length = length
        self._value_at = value_at
        self._budget = budget
        self.lookups = 0

    def _count(self, n):
        self.lookups += n
        if self.lookups > self._budget:
            raise AssertionError(
                f"looked at more than {self._budget} of {self._length} elements; "
                "a binary search needs about 17"
            )

    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            indices = range(*index.indices(self._length))
            self._count(len(indices))
            return [self._value_at(i) for i in indices]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        self._count(1)
        return self._value_at(index)


@pytest.mark.parametrize(
    "items, target, expected",
    [([4], 4, 0), ([4], 3, -1), ([4], 5, -1)],
    ids=["found", "smaller-missing", "larger-missing"],
)
def test_single_element(items, target, expected):
    assert binary_search(items, target) == expected


def test_every_position_in_a_longer_list():
    items = list(range(0, 200, 2))
    wrong = [t for t in range(-1, 201) if binary_search(items, t) != (t // 2 if t % 2 == 0 and 0 <= t < 200 else -1)]
    assert not wrong, f"wrong answer for these targets in [0, 2, ..., 198]: {wrong[:10]}"


@pytest.mark.parametrize(
    "items, target, expected",
    [([5, 5, 5, 6], 5, 0), ([1, 4, 4, 4], 4, 1), ([2, 2, 2, 2], 2, 0)],
    ids=["run-at-start", "run-at-end", "all-equal"],
)
def test_duplicates_at_the_edges(items, target, expected):
    got = binary_search(items, target)
    assert got == expected, f"binary_search({items}, {target}) returned {got}, expected the first occurrence {expected}"


def test_works_on_strings():
    assert binary_search(["apple", "banana", "cherry", "date"], "cherry") == 2


def test_looks_at_few_elements():
    items = CountingSequence(100_000, lambda i: 2 * i)
    assert binary_search(items, 2 * 77_777) == 77_777
    assert binary_search(items, 31) == -1
    assert items.lookups <= 80, f"two searches in 100000 items looked at {items.lookups} elements; a binary search needs about 2 x 17"


def test_looks_at_few_elements_with_duplicates():
    all_sevens = CountingSequence(100_000, lambda i: 7)
    assert binary_search(all_sevens, 7) == 0
    assert all_sevens.lookups <= 40, (
        f"searching 100000 equal values looked at {all_sevens.lookups} elements; "
        "finding the first occurrence must stay a binary search"
    )
    zeros_then_ones = CountingSequence(100_000, lambda i: 0 if i < 60_000 else 1)
    assert binary_search(zeros_then_ones, 1) == 60_000
    assert zeros_then_ones.lookups <= 40, f"looked at {zeros_then_ones.lookups} elements"
