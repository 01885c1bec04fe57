"""Sign-up with validation: create users, refuse bad input, read users back."""

from typing import Dict

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, EmailStr, conint, constr

app = FastAPI()


class UserIn(BaseModel):
    username: constr(min_length=3, max_length=20)
    email: EmailStr
    age: conint(ge=13, le=120)
    password: constr(min_length=8)


class UserOut(BaseModel):
    username: str
    email: str
    age: int


users: Dict[str, UserIn] = {}


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/users", status_code=201, response_model=UserOut)
def create_user(user: UserIn):
    if user.username in users:
        raise HTTPException(status_code=409, detail="username already taken")
    users[user.username] = user
    return UserOut(**user.dict(exclude={"password"}))


@app.get("/users/{username}", response_model=UserOut)
def read_user(username: str):
    if username not in users:
        raise HTTPException(status_code=404, detail="user not found")
    return UserOut(**users[username].dict(exclude={"password"}))
