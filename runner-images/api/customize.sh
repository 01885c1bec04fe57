#!/bin/sh
# Runs after the packages are in, with the new root filesystem as $1.
# Initialises the PostgreSQL cluster once, at build time, so that a job
# with `api.services: [postgres]` only copies it to its tmpfs and starts it
# (runner-images/api/harness/grader_services.py).
set -eu
root="$1"

# The packaged "main" cluster and its service configuration are not used.
rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main

# Every job runs with jit=off: drop the JIT provider and the LLVM library
# only it loads, the largest files of the image.
rm -rf "$root"/usr/lib/postgresql/15/lib/llvmjit.so \
    "$root"/usr/lib/postgresql/15/lib/llvmjit_types.bc \
    "$root"/usr/lib/postgresql/15/lib/bitcode
rm -f "$root"/usr/lib/*/libLLVM-*.so*

# The template cluster, owned by the unprivileged grader user (uid 1000):
# trust authentication (the container has no network: only the job's own
# processes reach it), 1 MiB WAL segments so a job has little to copy.
mkdir -p "$root"/opt/pg
chown 1000:1000 "$root"/opt/pg
chroot "$root" setpriv --reuid=1000 --regid=1000 --clear-groups \
    /usr/lib/postgresql/15/bin/initdb --pgdata=/opt/pg/template \
    --username=grader --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    --wal-segsize=1 --no-sync --no-instructions >/dev/null

# A job unpacks it with one tar read (grader_services.py): copying its
# thousand small files one by one from the image's file system took most
# of a services job's start (about 0.6 s on fuse-overlayfs).
tar -C "$root"/opt/pg -cf "$root"/opt/pg/template.tar template
chown 1000:1000 "$root"/opt/pg/template.tar
rm -rf "$root"/opt/pg/template
