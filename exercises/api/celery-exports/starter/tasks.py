"""The Celery side: the app's queue and the task the worker runs.

The broker and the result backend are both Redis, at REDIS_URL."""

import os

from celery import Celery

celery = Celery("tasks", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])


@celery.task
def export_csv(rows, flaky=0):
    raise NotImplementedError("write the export")
