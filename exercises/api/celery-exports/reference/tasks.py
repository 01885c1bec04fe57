"""The Celery side: the app's queue and the task the worker runs.

The broker and the result backend are both Redis, at REDIS_URL."""

import csv
import io
import os
import time

from celery import Celery

celery = Celery("tasks", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
celery.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # A result is kept a day: long enough for any client to poll it.
    result_expires=86400,
)

# Writing a file takes a while: that is why it is not done in the request.
WORK_TIME = 1.5


class StorageDown(Exception):
    """The file store did not take the file; it may on the next try."""


@celery.task(bind=True, max_retries=3, default_retry_delay=0.1)
def export_csv(self, rows, flaky=0):
    """The rows as CSV text. The store is down for the first `flaky` tries
    (the exercise's stand-in for a real outage): each failure is retried,
    at most three times."""
    time.sleep(WORK_TIME)
    if self.request.retries < flaky:
        raise self.retry(exc=StorageDown("the file store is down"))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return {"csv": out.getvalue(), "attempts": self.request.retries + 1}
