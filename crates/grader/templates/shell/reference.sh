#!/usr/bin/env bash
# Prints how many lines of a log file mention an error, in any case.
set -euo pipefail

if [[ $# -ne 1 || ! -f $1 ]]; then
  echo "usage: {{module}}.sh <log file>" >&2
  exit 1
fi
grep -ci 'error' -- "$1" || true
