#!/usr/bin/env bash
# A report on a web server's access log (common log format).
#   report.sh top <log> [n]     the n (3) busiest clients: "<count> <ip>"
#   report.sh status <log> <c>  how many requests got status <c>
#   report.sh errors <log>      the paths that got a 4xx or 5xx, each once, sorted
set -euo pipefail

usage() {
  echo "usage: report.sh top <log> [n] | status <log> <code> | errors <log>" >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
command=$1
log=$2
if [[ ! -r $log ]]; then
  echo "report.sh: cannot read $log" >&2
  exit 1
fi

case $command in
  top)
    n=${3:-3}
    awk '{ print $1 }' "$log" | sort | uniq -c | sort -k1,1nr -k2,2 | head -n "$n" |
      awk '{ print $1, $2 }'
    ;;
  status)
    [[ $# -eq 3 ]] || usage
    awk -v code="$3" '$9 == code' "$log" | wc -l
    ;;
  errors)
    awk '$9 >= 400 { print $7 }' "$log" | sort -u
    ;;
  *)
    usage
    ;;
esac
