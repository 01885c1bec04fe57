def binary_search(items, target) -> int:
    """Return the index of the first occurrence of target in the sorted
    sequence items, or -1 if target is not there.

    Looks at only O(log n) elements, using len(items) and items[i] only.
    """
    lo, hi = 0, len(items)
    # Invariant: everything before lo is < target, everything from hi on is >= target.
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(items) and items[lo] == target:
        return lo
    return -1


def two_sum(nums: list[int], target: int) -> tuple[int, int] | None:
    """Return (i, j) with i < j and nums[i] + nums[j] == target, or None.

    nums is not sorted and must not be changed.
    """
    seen: dict[int, int] = {}
    for j, value in enumerate(nums):
        i = seen.get(target - value)
        if i is not None:
            return (i, j)
        seen.setdefault(value, j)
    return None
