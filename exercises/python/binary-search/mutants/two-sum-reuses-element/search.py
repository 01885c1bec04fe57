def binary_search(items, target):
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(items) and items[lo] == target:
        return lo
    return -1


def two_sum(nums, target):
    seen = {}
    for j, value in enumerate(nums):
        seen[value] = j
        if target - value in seen:
            return (seen[target - value], j)
    return None
