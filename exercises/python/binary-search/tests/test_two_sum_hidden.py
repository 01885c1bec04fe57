import pytest

from search import two_sum


def assert_valid_pair(nums, target, result):
    assert result is not None, f"{nums} has a pair adding up to {target}, got None"
    i, j = result
    assert 0 <= i < j < len(nums), f"expected indices with i < j, got {result}"
    assert nums[i] + nums[j] == target, f"nums[{i}] + nums[{j}] = {nums[i] + nums[j]}, not {target}"


def test_does_not_use_the_same_element_twice():
    result = two_sum([3, 2, 4], 6)
    assert result == (1, 2), f"3 + 3 would use index 0 twice; the only pair is (1, 2), got {result}"


def test_equal_values_at_different_positions():
    assert two_sum([3, 3], 6) == (0, 1)


@pytest.mark.parametrize(
    "nums, target",
    [([-3, 4, 3, 90], 0), ([0, 5, 0], 0), ([-1, -2, -3, -4], -7)],
    ids=["opposites", "two-zeros", "all-negative"],
)
def test_negatives_and_zero(nums, target):
    assert_valid_pair(nums, target, two_sum(nums, target))


@pytest.mark.parametrize("nums", [[], [5]], ids=["empty", "single"])
def test_too_short_gives_none(nums):
    assert two_sum(nums, 10) is None


def test_any_valid_pair_is_accepted():
    nums = [1, 3, 2, 4]
    assert_valid_pair(nums, 5, two_sum(nums, 5))


def test_does_not_change_input():
    nums = [8, 1, 5, 3]
    assert two_sum(nums, 4), "1 + 3 makes 4"
    assert nums == [8, 1, 5, 3], "two_sum must not modify (e.g. sort) its input"
