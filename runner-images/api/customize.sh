#!/bin/sh
# Runs after the packages are in, with the new root filesystem as $1 and
# runner-images/build/ as $2: PostgreSQL trimmed and its template cluster
# made once, for jobs with `api.services: [postgres]`
# (runner-images/api/harness/grader_services.py), which connect to its
# `postgres` database.
set -eu
sh "$2"/postgres-template.sh "$1"
