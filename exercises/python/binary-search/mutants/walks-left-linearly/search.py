def binary_search(items, target):
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            # step back to the first occurrence, one element at a time
            while mid > 0 and items[mid - 1] == target:
                mid -= 1
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def two_sum(nums, target):
    seen = {}
    for j, value in enumerate(nums):
        if target - value in seen:
            return (seen[target - value], j)
        if value not in seen:
            seen[value] = j
    return None
