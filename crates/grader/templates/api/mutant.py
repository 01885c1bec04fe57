from typing import Optional

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/greet")
def greet(name: Optional[str] = None):
    """Known wrong: a missing name is not an error."""
    return {"message": f"Hello, {name}!"}
