"""Projects and their tasks, per user, behind a login: the capstone's API.

Users register and log in for a JWT; each user's projects and their tasks
live in PostgreSQL (schema.sql). Someone else's project or task is "not
found", never "forbidden": a 403 would say that it exists. Lists are pages:
`limit` (1 to 100, default 20) and `offset` (0 or more) in the query, and
the answer says the `total`.
"""

import contextlib
import os
import time
from typing import Optional

import bcrypt
import jwt
import psycopg2
import psycopg2.errors
import psycopg2.extras
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Response
from pydantic import BaseModel, constr

DATABASE_URL = os.environ["DATABASE_URL"]
# The grader sets JWT_SECRET; the fallback is for running the app by hand.
SECRET = os.environ.get("JWT_SECRET", "dev-only-secret")
ALGORITHM = "HS256"
TOKEN_LIFETIME = 30 * 60  # seconds
BCRYPT_ROUNDS = int(os.environ.get("BCRYPT_ROUNDS", "12"))

app = FastAPI()


class Credentials(BaseModel):
    username: constr(regex=r"^[A-Za-z0-9_-]{3,32}\Z")
    password: constr(min_length=8, max_length=72)


class LoginIn(BaseModel):
    username: str
    password: str


Name = constr(strip_whitespace=True, min_length=1, max_length=100)
Title = constr(strip_whitespace=True, min_length=1, max_length=200)


class ProjectIn(BaseModel):
    name: Name


class TaskIn(BaseModel):
    title: Title
    done: bool = False


class TaskPatch(BaseModel):
    title: Optional[Title] = None
    done: Optional[bool] = None


@contextlib.contextmanager
def database():
    """A connection for one request: committed if the request went well,
    rolled back if not, closed either way."""
    connection = psycopg2.connect(DATABASE_URL, cursor_factory=psycopg2.extras.RealDictCursor)
    try:
        with connection:
            with connection.cursor() as cursor:
                yield cursor
    finally:
        connection.close()


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"{what} not found")


def current_user(authorization: Optional[str] = Header(default=None)) -> int:
    """The id of the user a valid bearer token names, or 401."""
    if authorization is None:
        raise unauthorized("not authenticated")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("expected a bearer token")
    try:
        claims = jwt.decode(token, SECRET, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise unauthorized("invalid or expired token")
    with database() as db:
        db.execute("SELECT 1 FROM users WHERE id = %s", (user_id,))
        if db.fetchone() is None:
            raise unauthorized("unknown user")
    return user_id


def page(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)):
    return limit, offset


def owned_project(db, project_id: int, user_id: int) -> dict:
    db.execute(
        "SELECT id, name FROM projects WHERE id = %s AND owner_id = %s", (project_id, user_id)
    )
    project = db.fetchone()
    if project is None:
        raise not_found("project")
    return project


def owned_task(db, task_id: int, user_id: int) -> dict:
    db.execute(
        "SELECT t.id, t.project_id, t.title, t.done FROM tasks t"
        " JOIN projects p ON p.id = t.project_id WHERE t.id = %s AND p.owner_id = %s",
        (task_id, user_id),
    )
    task = db.fetchone()
    if task is None:
        raise not_found("task")
    return task


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/register", status_code=201)
def register(credentials: Credentials):
    hashed = bcrypt.hashpw(credentials.password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
    try:
        with database() as db:
            db.execute(
                "INSERT INTO users (username, password_hash) VALUES (%s, %s) RETURNING id",
                (credentials.username, hashed.decode()),
            )
            user_id = db.fetchone()["id"]
    except psycopg2.errors.UniqueViolation:
        raise HTTPException(status_code=409, detail="username already taken")
    return {"id": user_id, "username": credentials.username}


@app.post("/login")
def login(credentials: LoginIn):
    with database() as db:
        db.execute(
            "SELECT id, password_hash FROM users WHERE username = %s", (credentials.username,)
        )
        user = db.fetchone()
    if user is None or not bcrypt.checkpw(
        credentials.password.encode(), user["password_hash"].encode()
    ):
        raise unauthorized("wrong username or password")
    now = int(time.time())
    token = jwt.encode(
        {"sub": str(user["id"]), "iat": now, "exp": now + TOKEN_LIFETIME}, SECRET, algorithm=ALGORITHM
    )
    return {"access_token": token, "token_type": "bearer"}


@app.post("/projects", status_code=201)
def create_project(project: ProjectIn, user_id: int = Depends(current_user)):
    with database() as db:
        db.execute(
            "INSERT INTO projects (owner_id, name) VALUES (%s, %s) RETURNING id, name",
            (user_id, project.name),
        )
        return db.fetchone()


@app.get("/projects")
def list_projects(user_id: int = Depends(current_user), paging=Depends(page)):
    limit, offset = paging
    with database() as db:
        db.execute("SELECT count(*) AS n FROM projects WHERE owner_id = %s", (user_id,))
        total = db.fetchone()["n"]
        db.execute(
            "SELECT id, name FROM projects WHERE owner_id = %s ORDER BY id LIMIT %s OFFSET %s",
            (user_id, limit, offset),
        )
        items = db.fetchall()
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@app.get("/projects/{project_id}")
def read_project(project_id: int, user_id: int = Depends(current_user)):
    with database() as db:
        return owned_project(db, project_id, user_id)


@app.patch("/projects/{project_id}")
def rename_project(project_id: int, project: ProjectIn, user_id: int = Depends(current_user)):
    with database() as db:
        owned_project(db, project_id, user_id)
        db.execute(
            "UPDATE projects SET name = %s WHERE id = %s RETURNING id, name",
            (project.name, project_id),
        )
        return db.fetchone()


@app.delete("/projects/{project_id}", status_code=204)
def delete_project(project_id: int, user_id: int = Depends(current_user)):
    with database() as db:
        owned_project(db, project_id, user_id)
        # Its tasks go with it (ON DELETE CASCADE).
        db.execute("DELETE FROM projects WHERE id = %s", (project_id,))
    return Response(status_code=204)


@app.post("/projects/{project_id}/tasks", status_code=201)
def create_task(project_id: int, task: TaskIn, user_id: int = Depends(current_user)):
    with database() as db:
        owned_project(db, project_id, user_id)
        db.execute(
            "INSERT INTO tasks (project_id, title, done) VALUES (%s, %s, %s)"
            " RETURNING id, project_id, title, done",
            (project_id, task.title, task.done),
        )
        return db.fetchone()


@app.get("/projects/{project_id}/tasks")
def list_tasks(
    project_id: int,
    done: Optional[bool] = None,
    user_id: int = Depends(current_user),
    paging=Depends(page),
):
    limit, offset = paging
    where = "project_id = %s" + ("" if done is None else " AND done = %s")
    args = (project_id,) if done is None else (project_id, done)
    with database() as db:
        owned_project(db, project_id, user_id)
        db.execute(f"SELECT count(*) AS n FROM tasks WHERE {where}", args)
        total = db.fetchone()["n"]
        db.execute(
            f"SELECT id, project_id, title, done FROM tasks WHERE {where}"
            " ORDER BY id LIMIT %s OFFSET %s",
            args + (limit, offset),
        )
        items = db.fetchall()
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@app.patch("/tasks/{task_id}")
def update_task(task_id: int, patch: TaskPatch, user_id: int = Depends(current_user)):
    with database() as db:
        task = owned_task(db, task_id, user_id)
        title = task["title"] if patch.title is None else patch.title
        done = task["done"] if patch.done is None else patch.done
        db.execute(
            "UPDATE tasks SET title = %s, done = %s WHERE id = %s"
            " RETURNING id, project_id, title, done",
            (title, done, task_id),
        )
        return db.fetchone()


@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, user_id: int = Depends(current_user)):
    with database() as db:
        owned_task(db, task_id, user_id)
        db.execute("DELETE FROM tasks WHERE id = %s", (task_id,))
    return Response(status_code=204)
