#!/usr/bin/env bash
# Tidies the permissions of the files under a folder:
#   - no file is writable by others (o-w);
#   - every *.sh file is executable by its owner (u+x).
# Prints each file it changes (or, with --check, would change), sorted.
#   secure.sh [--check] <folder>
# Exit status: 0 done (or nothing to change), 1 --check found something,
# 2 usage error.
set -euo pipefail

check=false
if [[ ${1:-} == --check ]]; then
  check=true
  shift
fi
if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: secure.sh [--check] <folder>" >&2
  exit 2
fi
folder=$1

changes=$(
  {
    find "$folder" -type f -perm -o+w -print
    find "$folder" -type f -name '*.sh' ! -perm -u+x -print
  } | sort -u
)
if [[ -z $changes ]]; then
  exit 0
fi
printf '%s\n' "$changes"
if $check; then
  exit 1
fi
find "$folder" -type f -perm -o+w -exec chmod o-w {} +
find "$folder" -type f -name '*.sh' ! -perm -u+x -exec chmod u+x {} +
