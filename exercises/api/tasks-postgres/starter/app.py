"""A tasks API whose tasks live in PostgreSQL. See README.md.

The database is at os.environ["DATABASE_URL"]; its table `tasks` is
already made (README.md shows it).
"""

import os

from fastapi import FastAPI
from sqlalchemy import create_engine

engine = create_engine(os.environ["DATABASE_URL"], future=True)

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: POST /tasks, GET /tasks, GET /tasks/{id}, PATCH /tasks/{id},
# DELETE /tasks/{id}, every one of them through the database.
