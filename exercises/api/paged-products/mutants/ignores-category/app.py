"""A product catalogue: filter, sort and page through products."""

import os

from flask import Flask, jsonify, request

PRODUCTS = [
    {"id": 1, "name": "Dune", "category": "books", "price": 9.99},
    {"id": 2, "name": "Chess set", "category": "games", "price": 24.5},
    {"id": 3, "name": "Chef's knife", "category": "kitchen", "price": 39.0},
    {"id": 4, "name": "Stapler", "category": "office", "price": 7.25},
    {"id": 5, "name": "Trowel", "category": "garden", "price": 6.4},
    {"id": 6, "name": "Emma", "category": "books", "price": 5.5},
    {"id": 7, "name": "Go board", "category": "games", "price": 31.0},
    {"id": 8, "name": "Cast iron pan", "category": "kitchen", "price": 45.9},
    {"id": 9, "name": "Desk lamp", "category": "office", "price": 22.0},
    {"id": 10, "name": "Watering can", "category": "garden", "price": 12.75},
    {"id": 11, "name": "Ulysses", "category": "books", "price": 11.2},
    {"id": 12, "name": "Jigsaw puzzle", "category": "games", "price": 14.0},
    {"id": 13, "name": "Kettle", "category": "kitchen", "price": 29.95},
    {"id": 14, "name": "Notebook", "category": "office", "price": 3.1},
    {"id": 15, "name": "Hose", "category": "garden", "price": 27.3},
    {"id": 16, "name": "Beloved", "category": "books", "price": 8.75},
    {"id": 17, "name": "Playing cards", "category": "games", "price": 2.99},
    {"id": 18, "name": "Cutting board", "category": "kitchen", "price": 18.6},
    {"id": 19, "name": "Paper clips", "category": "office", "price": 1.5},
    {"id": 20, "name": "Middlemarch", "category": "books", "price": 10.4},
    {"id": 21, "name": "Backgammon", "category": "games", "price": 19.9},
    {"id": 22, "name": "Whisk", "category": "kitchen", "price": 4.2},
    {"id": 23, "name": "Anna Karenina", "category": "books", "price": 12.3},
    {"id": 24, "name": "Teapot", "category": "kitchen", "price": 21.0},
    {"id": 25, "name": "Walden", "category": "books", "price": 6.8},
]

MAX_PER_PAGE = 50
SORTS = {
    "price": (lambda product: product["price"], False),
    "-price": (lambda product: product["price"], True),
    "name": (lambda product: product["name"], False),
}

app = Flask(__name__)


class BadRequest(Exception):
    """A query parameter that is not allowed: answered with 400."""


@app.errorhandler(BadRequest)
def bad_request(error):
    return jsonify({"error": str(error)}), 400


def positive_int(name, default, maximum=None):
    """The query parameter `name` as an integer from 1 (to `maximum`)."""
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name} must be an integer")
    if value < 1:
        raise BadRequest(f"{name} must be at least 1")
    if maximum is not None and value > maximum:
        raise BadRequest(f"{name} must be at most {maximum}")
    return value


@app.get("/health")
def health():
    return jsonify({"status": "ok"})


@app.get("/products")
def list_products():
    page = positive_int("page", 1)
    per_page = positive_int("per_page", 10, MAX_PER_PAGE)

    matches = PRODUCTS
    min_price = request.args.get("min_price")
    if min_price is not None:
        try:
            floor = float(min_price)
        except ValueError:
            raise BadRequest("min_price must be a number")
        matches = [p for p in matches if p["price"] >= floor]
    sort = request.args.get("sort")
    if sort is not None:
        if sort not in SORTS:
            raise BadRequest("sort must be one of: " + ", ".join(SORTS))
        key, descending = SORTS[sort]
        matches = sorted(matches, key=key, reverse=descending)

    start = (page - 1) * per_page
    return jsonify(
        {
            "items": matches[start : start + per_page],
            "page": page,
            "per_page": per_page,
            "total": len(matches),
        }
    )


@app.get("/products/<int:product_id>")
def read_product(product_id):
    for product in PRODUCTS:
        if product["id"] == product_id:
            return jsonify(product)
    return jsonify({"error": "product not found"}), 404


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
