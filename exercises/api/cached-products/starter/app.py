"""Products read from PostgreSQL through a Redis cache. See README.md.

The database is at os.environ["DATABASE_URL"], Redis at
os.environ["REDIS_URL"].
"""

import os

import redis
from fastapi import FastAPI
from sqlalchemy import create_engine

engine = create_engine(os.environ["DATABASE_URL"], future=True)
cache = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: GET /products/{id} through the cache (X-Cache: HIT or MISS),
# PUT /products/{id} that invalidates it, GET /stats.
