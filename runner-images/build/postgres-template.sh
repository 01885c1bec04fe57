#!/bin/sh
# A build step a recipe's customize.sh calls, never copied into an image:
#
#   sh postgres-template.sh ROOT [--minimal]
#
# Trims what a job never uses of PostgreSQL in the new root filesystem ROOT
# and initialises its template cluster once, at build time, so that a job
# only unpacks it on its tmpfs and starts it. With --minimal, the cluster
# keeps template1 alone (the sql harness makes every database from it and
# connects to it), two thirds less to unpack.
set -eu
root="$1"
minimal="${2:-}"
bin=/usr/lib/postgresql/15/bin

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
as_grader() {
    chroot "$root" setpriv --reuid=1000 --regid=1000 --clear-groups "$@"
}
as_grader "$bin"/initdb --pgdata=/opt/pg/template \
    --username=grader --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    --wal-segsize=1 --no-sync --no-instructions >/dev/null

if [ "$minimal" = --minimal ]; then
    # template0 and postgres go. The server shuts down cleanly at the end
    # of its input; then pg_resetwal leaves one WAL segment of the six.
    printf '%s\n' \
        "ALTER DATABASE template0 IS_TEMPLATE false" \
        "DROP DATABASE template0" \
        "DROP DATABASE postgres" |
        as_grader "$bin"/postgres --single -D /opt/pg/template \
            -c dynamic_shared_memory_type=mmap template1 >/dev/null
    as_grader "$bin"/pg_resetwal -D /opt/pg/template >/dev/null
fi

# One file to read: the image's root filesystem (fuse-overlayfs here) costs
# a round trip per file opened, and the cluster is a thousand small files
# (copying them one by one took most of a job's start, about 0.6 s).
tar -C "$root"/opt/pg -cf "$root"/opt/pg/template.tar template
chown 1000:1000 "$root"/opt/pg/template.tar
rm -rf "$root"/opt/pg/template
