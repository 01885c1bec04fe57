"""Exports made in the background: the API hands each to a Celery worker
and answers at once; the client polls for the result."""

import os
from typing import List, Union

import redis
from celery.result import AsyncResult
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StrictFloat, StrictInt, StrictStr, conint, conlist

from tasks import celery, export_csv

known = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
KNOWN = "exports:known"

app = FastAPI()

# Strict: a number stays the number it was (2.5 is not 2), a string a string.
Cell = Union[StrictInt, StrictFloat, StrictStr]


class ExportIn(BaseModel):
    rows: conlist(List[Cell], min_items=1, max_items=1000)
    flaky: conint(ge=0, le=10) = 0


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/exports")
def create_export(data: ExportIn):
    task = export_csv.delay(data.rows, data.flaky)
    known.sadd(KNOWN, task.id)
    return JSONResponse(status_code=202, content={"id": task.id, "status": "pending"})


@app.get("/exports/{export_id}")
def read_export(export_id: str):
    if not known.sismember(KNOWN, export_id):
        raise HTTPException(status_code=404, detail="export not found")
    result = AsyncResult(export_id, app=celery)
    if result.successful():
        return {"id": export_id, "status": "done", **result.result}
    if result.failed():
        return {"id": export_id, "status": "failed", "error": str(result.result)}
    return {"id": export_id, "status": "pending"}
