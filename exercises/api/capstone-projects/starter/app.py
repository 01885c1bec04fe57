"""Projects and their tasks, per user, behind a login.

The README says what each endpoint does. The database is ready when the
app starts (schema.sql); DATABASE_URL says where it is, JWT_SECRET what to
sign tokens with.
"""

import os

from fastapi import FastAPI

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/app")
SECRET = os.environ.get("JWT_SECRET", "dev-only-secret")

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


# POST /register, POST /login, then /projects and /tasks: your code here.
