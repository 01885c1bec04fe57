#!/bin/sh
# Runs after the packages are in, with the new root filesystem as $1.
# Trims what a job never uses and initialises the PostgreSQL cluster once,
# at build time, so that a job only unpacks it on its tmpfs and starts it.
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
# trust authentication over a Unix socket only, 1 MiB WAL segments so a
# job has little to copy.
mkdir -p "$root"/opt/pg
chown 1000:1000 "$root"/opt/pg
as_grader() {
    chroot "$root" setpriv --reuid=1000 --regid=1000 --clear-groups "$@"
}
as_grader /usr/lib/postgresql/15/bin/initdb --pgdata=/opt/pg/template \
    --username=grader --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    --wal-segsize=1 --no-sync --no-instructions >/dev/null
# A job's databases are copies of template1, and the harness connects to
# template1 itself: template0 and postgres go, and with them two thirds of
# what a job copies. The server shuts down cleanly at the end of its input;
# then pg_resetwal leaves one WAL segment of the six.
printf '%s\n' \
    "ALTER DATABASE template0 IS_TEMPLATE false" \
    "DROP DATABASE template0" \
    "DROP DATABASE postgres" |
    as_grader /usr/lib/postgresql/15/bin/postgres --single -D /opt/pg/template \
        -c dynamic_shared_memory_type=mmap template1 >/dev/null
as_grader /usr/lib/postgresql/15/bin/pg_resetwal -D /opt/pg/template >/dev/null
# One file to read: the image's root filesystem (fuse-overlayfs here) costs
# a round trip per file opened, and the cluster is a thousand small files.
# A job unpacks it with tar on its tmpfs (grader_sql.py).
tar -C "$root"/opt/pg -cf "$root"/opt/pg/template.tar template
chown 1000:1000 "$root"/opt/pg/template.tar
rm -rf "$root"/opt/pg/template
