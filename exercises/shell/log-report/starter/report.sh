#!/usr/bin/env bash
# A report on a web server's access log (common log format).
#   report.sh top <log> [n]     the n (3) busiest clients: "<count> <ip>"
#   report.sh status <log> <c>  how many requests got status <c>
#   report.sh errors <log>      the paths that got a 4xx or 5xx, each once, sorted
set -euo pipefail

echo "report.sh: not written yet" >&2
exit 1
