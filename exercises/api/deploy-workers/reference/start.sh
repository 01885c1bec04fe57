#!/bin/sh
# The app under uvicorn with two worker processes, on the port the
# platform gives in $PORT.
set -eu
exec python3 -m uvicorn app:app --host 127.0.0.1 --port "$PORT" --workers 2
