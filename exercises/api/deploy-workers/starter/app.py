"""A small shop's API, ready to deploy: its settings come from the
environment, it answers a health check, and it logs to stdout."""

import asyncio
import logging
import os
import sys
import time

from fastapi import FastAPI

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(message)s")
log = logging.getLogger("shop")


# TODO: read these from the environment (APP_NAME, APP_ENV, APP_DEBUG).
APP_NAME = "my-shop"
APP_ENV = "development"
DEBUG = True

app = FastAPI(debug=DEBUG)


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/info")
async def info():
    return {"app": APP_NAME, "environment": APP_ENV, "debug": DEBUG}


@app.get("/report")
async def report():
    # Given, not to change: a report blocks its worker for 1.5 s (the
    # stand-in for a slow library call). One worker makes a second report
    # wait for the first.
    time.sleep(1.5)
    log.info("report made")
    await asyncio.sleep(0)
    return {"report": "ready"}
