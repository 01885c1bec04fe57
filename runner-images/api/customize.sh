#!/bin/sh
# Runs after the packages are in, with the new root filesystem as $1 and
# runner-images/build/ as $2: the learner's tests' user added, PostgreSQL
# trimmed and its template cluster made once, for jobs with `api.services: [postgres]`
# (runner-images/api/harness/grader_services.py), which connect to its
# `postgres` database.
set -eu
sh "$2"/postgres-template.sh "$1"
# The user the learner's tests of an app run as (grader_tests.py's
# LEARNER_UID), apart from the job's user, who runs the app and its data.
echo 'learner:x:1001:1001:learner:/nonexistent:/usr/sbin/nologin' >> "$1"/etc/passwd
echo 'learner:x:1001:' >> "$1"/etc/group
