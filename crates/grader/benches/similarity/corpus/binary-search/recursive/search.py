def binary_search(items, target):
    return _search(items, target, 0, len(items) - 1, -1)


def _search(items, target, low, high, found):
    if low > high:
        return found
    middle = low + (high - low) // 2
    if items[middle] == target:
        return _search(items, target, low, middle - 1, middle)
    if items[middle] < target:
        return _search(items, target, middle + 1, high, found)
    return _search(items, target, low, middle - 1, found)


def two_sum(nums, target):
    for first in range(len(nums)):
        for second in range(first + 1, len(nums)):
            if nums[first] + nums[second] == target:
                return first, second
    return None
