from bisect import bisect_left


def binary_search(items, target):
    at = bisect_left(items, target)
    return at if at != len(items) and items[at] == target else -1


def two_sum(nums, target):
    positions = {}
    for index, value in enumerate(nums):
        positions.setdefault(value, []).append(index)
    best = None
    for j, value in enumerate(nums):
        for i in positions.get(target - value, []):
            if i < j and (best is None or (j, i) < (best[1], best[0])):
                best = (i, j)
    return best
