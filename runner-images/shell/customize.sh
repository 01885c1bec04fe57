#!/bin/sh
# Runs after the packages are in, with the new root filesystem as $1:
# - the learner's user of the shell kind (grader_broker.py's LEARNER_UID),
#   whose name `ls -l`, `stat -c %U` and `id -un` show;
# - bats-support, bats-assert and bats-file in one file, which grader.bash
#   sources for each test: bats_load_library's search and its dozen
#   sources cost a test about 60 ms, one file a few.
set -eu
echo 'learner:x:1001:1001:learner:/work/play:/bin/bash' >> "$1"/etc/passwd
echo 'learner:x:1001:' >> "$1"/etc/group
mkdir -p "$1"/usr/local/lib/grader
for library in bats-support bats-assert bats-file; do
  for file in "$1"/usr/lib/bats/"$library"/src/*.bash; do
    cat "$file"
    echo
  done
done > "$1"/usr/local/lib/grader/bats-libraries.bash
