def binary_search(items, target) -> int:
    left = 0
    right = len(items) - 1
    answer = -1
    while left <= right:
        center = (left + right) >> 1
        value = items[center]
        if value < target:
            left = center + 1
        elif value > target:
            right = center - 1
        else:
            answer = center
            right = center - 1
    return answer


def two_sum(nums: list[int], target: int):
    order = sorted(range(len(nums)), key=lambda k: nums[k])
    lo, hi = 0, len(order) - 1
    pairs = []
    while lo < hi:
        total = nums[order[lo]] + nums[order[hi]]
        if total == target:
            pairs.append(tuple(sorted((order[lo], order[hi]))))
            lo += 1
        elif total < target:
            lo += 1
        else:
            hi -= 1
    if not pairs:
        return None
    return min(pairs, key=lambda pair: (pair[1], pair[0]))
