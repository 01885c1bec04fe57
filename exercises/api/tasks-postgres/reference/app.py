"""A tasks API whose tasks live in PostgreSQL, through SQLAlchemy."""

import os
from typing import Optional

from fastapi import Depends, FastAPI, HTTPException, Response
from pydantic import BaseModel, constr
from sqlalchemy import Boolean, Column, Integer, String, create_engine, select
from sqlalchemy.orm import Session, declarative_base, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], future=True)
SessionLocal = sessionmaker(bind=engine, future=True)
Base = declarative_base()


class Task(Base):
    __tablename__ = "tasks"
    id = Column(Integer, primary_key=True)
    title = Column(String, nullable=False)
    done = Column(Boolean, nullable=False, default=False)


class TaskIn(BaseModel):
    title: constr(strip_whitespace=True, min_length=1, max_length=100)
    done: bool = False


class TaskPatch(BaseModel):
    title: Optional[constr(strip_whitespace=True, min_length=1, max_length=100)] = None
    done: Optional[bool] = None


def as_json(task):
    return {"id": task.id, "title": task.title, "done": task.done}


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def find(db, task_id):
    task = db.get(Task, task_id)
    if task is None:
        raise HTTPException(status_code=404, detail="task not found")
    return task


app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/tasks", status_code=201)
def create_task(data: TaskIn, db: Session = Depends(get_db)):
    task = Task(title=data.title, done=data.done)
    db.add(task)
    db.commit()
    return as_json(task)


@app.get("/tasks")
def list_tasks(db: Session = Depends(get_db)):
    return [as_json(task) for task in db.scalars(select(Task).order_by(Task.id))]


@app.get("/tasks/{task_id}")
def read_task(task_id: int, db: Session = Depends(get_db)):
    return as_json(find(db, task_id))


@app.patch("/tasks/{task_id}")
def update_task(task_id: int, data: TaskPatch, db: Session = Depends(get_db)):
    task = find(db, task_id)
    if data.title is not None:
        task.title = data.title
    if data.done is not None:
        task.done = data.done
    db.commit()
    return as_json(task)


@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, db: Session = Depends(get_db)):
    task = find(db, task_id)
    db.delete(task)
    db.commit()
    return Response(status_code=204)
