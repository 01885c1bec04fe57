"""A product catalogue. See README.md for the endpoints to build."""

from flask import Flask, jsonify, request

# The catalogue: keep these 25 products exactly as they are.
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

app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify({"status": "ok"})


# TODO: GET /products (filter, sort, page; 400 for a bad parameter)
# and GET /products/<id> (200, 404).
