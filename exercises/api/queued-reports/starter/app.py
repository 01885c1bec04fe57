"""Reports made in the background. See README.md.

Redis is at os.environ["REDIS_URL"].
"""

import os

import redis
from fastapi import FastAPI

queue = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: POST /reports queues a job and answers 202;
# GET /reports/{id} says how it is going, and its result once done.
