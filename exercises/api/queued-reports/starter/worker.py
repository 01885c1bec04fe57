"""The worker: takes report jobs off the Redis queue. See README.md."""

import os

import redis

queue = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)


def main():
    # TODO: take jobs off the queue, one at a time, and store each result.
    pass


if __name__ == "__main__":
    main()
