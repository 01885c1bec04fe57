"""A notes API. See README.md for the endpoints to build."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: POST /notes, GET /notes, GET /notes/{id}, PUT /notes/{id},
# DELETE /notes/{id}
