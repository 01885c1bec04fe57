"""A tasks API that keeps its tasks in a dict: gone at every restart."""

from typing import Optional

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, constr

tasks = {}
next_id = 1


class TaskIn(BaseModel):
    title: constr(strip_whitespace=True, min_length=1, max_length=100)
    done: bool = False


class TaskPatch(BaseModel):
    title: Optional[constr(strip_whitespace=True, min_length=1, max_length=100)] = None
    done: Optional[bool] = None


def find(task_id):
    if task_id not in tasks:
        raise HTTPException(status_code=404, detail="task not found")
    return tasks[task_id]


app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/tasks", status_code=201)
def create_task(data: TaskIn):
    global next_id
    task = {"id": next_id, "title": data.title, "done": data.done}
    tasks[next_id] = task
    next_id += 1
    return task


@app.get("/tasks")
def list_tasks():
    return [tasks[key] for key in sorted(tasks)]


@app.get("/tasks/{task_id}")
def read_task(task_id: int):
    return find(task_id)


@app.patch("/tasks/{task_id}")
def update_task(task_id: int, data: TaskPatch):
    task = find(task_id)
    if data.title is not None:
        task["title"] = data.title
    if data.done is not None:
        task["done"] = data.done
    return task


@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int):
    del tasks[find(task_id)["id"]]
    return Response(status_code=204)
