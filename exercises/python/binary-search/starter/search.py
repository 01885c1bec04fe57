def binary_search(items, target) -> int:
    """Return the index of the first occurrence of target in the sorted
    sequence items, or -1 if target is not there.

    Looks at only O(log n) elements, using len(items) and items[i] only.
    """
    raise NotImplementedError


def two_sum(nums: list[int], target: int) -> tuple[int, int] | None:
    """Return (i, j) with i < j and nums[i] + nums[j] == target, or None.

    nums is not sorted and must not be changed.
    """
    raise NotImplementedError
