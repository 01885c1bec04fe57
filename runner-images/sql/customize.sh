#!/bin/sh
# Runs after the packages are in, with the new root filesystem as $1 and
# runner-images/build/ as $2: PostgreSQL trimmed and its template cluster
# made once, with template1 alone (grader_sql.py makes every database from
# it and connects to it).
set -eu
sh "$2"/postgres-template.sh "$1" --minimal
