"""The worker: takes report jobs off the Redis list, one at a time, and
stores each result where the API finds it."""

import json
import os
import statistics
import time

import redis

queue = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
QUEUE = "reports:queue"
# Making a report takes a while: that is why it is not done in the request.
WORK_TIME = 0.3


def make_report(numbers):
    time.sleep(WORK_TIME)
    return {
        "count": len(numbers),
        "total": sum(numbers),
        "mean": statistics.fmean(numbers),
        "max": max(numbers),
    }


def main():
    while True:
        _, message = queue.brpop(QUEUE)
        job = json.loads(message)
        key = f"report:{job['id']}"
        queue.hset(key, "status", "running")
        result = make_report(job["numbers"])
        queue.hset(key, mapping={"status": "done", "result": json.dumps(result)})


if __name__ == "__main__":
    main()
