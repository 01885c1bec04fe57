"""Reports made in the background: the API queues a job in Redis and
answers at once; worker.py does the work."""

import json
import os
import uuid
from typing import List

import redis
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, conlist

queue = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
QUEUE = "reports:queue"

app = FastAPI()


class ReportIn(BaseModel):
    numbers: conlist(float, min_items=1, max_items=1000)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/reports")
def create_report(data: ReportIn):
    report_id = uuid.uuid4().hex
    queue.hset(f"report:{report_id}", mapping={"status": "queued"})
    queue.lpush(QUEUE, json.dumps({"id": report_id, "numbers": data.numbers}))
    return JSONResponse(status_code=202, content={"id": report_id, "status": "queued"})


@app.get("/reports/{report_id}")
def read_report(report_id: str):
    report = queue.hgetall(f"report:{report_id}")
    if not report:
        raise HTTPException(status_code=404, detail="report not found")
    body = {"id": report_id, "status": report["status"]}
    if report["status"] == "done":
        body["result"] = json.loads(report["result"])
    return body
