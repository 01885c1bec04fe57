"""Sign-up with validation. See README.md for the endpoints to build."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: POST /users (201, 422, 409) and GET /users/{username} (200, 404).
# Never send the password back.
