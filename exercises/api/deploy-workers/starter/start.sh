#!/bin/sh
# TODO: run the app as production needs it.
exec python3 -m uvicorn app:app --port 8000 --reload
