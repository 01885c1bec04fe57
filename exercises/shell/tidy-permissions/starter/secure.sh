#!/usr/bin/env bash
# Tidies the permissions of the files under a folder:
#   - no file is writable by others (o-w);
#   - every *.sh file is executable by its owner (u+x).
# Prints each file it changes (or, with --check, would change), sorted.
#   secure.sh [--check] <folder>
# Exit status: 0 done (or nothing to change), 1 --check found something,
# 2 usage error.
set -euo pipefail

echo "secure.sh: not written yet" >&2
exit 2
