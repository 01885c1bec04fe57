"""Products read from PostgreSQL through a Redis cache (cache-aside)."""

import json
import os

import redis
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, condecimal, constr
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], future=True)
cache = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
TTL = 60
db_reads = 0

app = FastAPI()


class ProductIn(BaseModel):
    name: constr(strip_whitespace=True, min_length=1)
    price: condecimal(ge=0, max_digits=10, decimal_places=2)


def key(product_id):
    return f"product:{product_id}"


def load(product_id):
    """The product from the database, or None."""
    global db_reads
    db_reads += 1
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, name, price FROM products WHERE id = :id"), {"id": product_id}
        ).first()
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "price": float(row.price)}


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/stats")
def stats():
    return {"db_reads": db_reads}


@app.get("/products/{product_id}")
def read_product(product_id: int, response: Response):
    cached = cache.get(key(product_id))
    if cached is not None:
        response.headers["X-Cache"] = "HIT"
        return json.loads(cached)
    product = load(product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    cache.set(key(product_id), json.dumps(product), ex=TTL)
    response.headers["X-Cache"] = "MISS"
    return product


@app.put("/products/{product_id}")
def update_product(product_id: int, data: ProductIn):
    with engine.begin() as conn:
        updated = conn.execute(
            text("UPDATE products SET name = :name, price = :price WHERE id = :id"),
            {"id": product_id, "name": data.name, "price": data.price},
        ).rowcount
    if not updated:
        raise HTTPException(status_code=404, detail="product not found")
    cache.delete(key(product_id))
    return {"id": product_id, "name": data.name, "price": float(data.price)}
