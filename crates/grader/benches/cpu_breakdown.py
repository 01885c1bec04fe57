#!/usr/bin/env python3
"""Where the CPU of a grading goes, process by process.

Runs N gradings of one submission, C at a time, with `grader grade`, and
N runs of bare pytest on the host for the same exercise, and prints the CPU
seconds each kind of process used per grading:

- processes that end during the run (runc, containerd-shim, fuse-overlayfs,
  the container's own python3, the grader itself ...) from BSD process
  accounting (`accton`, Debian's `acct` package), which records every
  process at its exit, in every PID namespace;
- processes that live through the run (dockerd, containerd, the kernel's
  worker threads ...) from the growth of their /proc/<pid>/stat times;
- the whole machine from /proc/stat, so what no process accounts for
  (kernel threads, interrupts) shows as the remainder.

Needs root, `acct` installed, the runner images built and a grader binary.
Run it on a quiet machine: everything else that runs is counted too.

    python3 crates/grader/benches/cpu_breakdown.py [--runs 40] [--jobs 2]
"""

import argparse
import collections
import os
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ACCT_V3 = struct.Struct("<BBHIIIIIIfHHHHHHHH16s")  # struct acct_v3, 64 bytes
TICKS = os.sysconf("SC_CLK_TCK")


def comp_t(value):
    """A comp_t: 13-bit mantissa, 3-bit base-8 exponent."""
    return (value & 0x1FFF) << (3 * ((value >> 13) & 0x7))


def accounted(path):
    """CPU seconds and process count per command name, from a pacct file."""
    cpu = collections.Counter()
    count = collections.Counter()
    with open(path, "rb") as f:
        data = f.read()
    for offset in range(0, len(data) - ACCT_V3.size + 1, ACCT_V3.size):
        fields = ACCT_V3.unpack_from(data, offset)
        version = fields[1] & 0x7F
        if version != 3:
            sys.exit("pacct record version %d; this reads version 3" % version)
        utime, stime = comp_t(fields[10]), comp_t(fields[11])
        name = fields[18].split(b"\0", 1)[0].decode("ascii", "replace")
        cpu[name] += (utime + stime) / TICKS
        count[name] += 1
    return cpu, count


def living_seconds():
    """CPU seconds so far of every running process, kernel threads
    included: {pid: (name, seconds)}."""
    seconds = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        # kworker/1:2-events and the like: one name for all of a kind.
        name = name.split("/")[0] if "/" in name else name
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds[pid] = (name, (int(fields[11]) + int(fields[12])) / TICKS)
    return seconds


STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def machine_seconds():
    """The machine's CPU seconds so far by /proc/stat's first eight fields."""
    with open("/proc/stat") as f:
        fields = [int(x) / TICKS for x in f.readline().split()[1:9]]
    return dict(zip(STAT_FIELDS, fields))


def busy_of(stat):
    """Seconds this machine's CPUs worked: all but idle, iowait and steal
    (time the hypervisor gave to another machine)."""
    return sum(v for k, v in stat.items() if k not in ("idle", "iowait", "steal"))


def measure(label, command, runs, jobs, env=None):
    pacct = tempfile.NamedTemporaryFile(prefix="grader-pacct-", delete=False).name
    subprocess.run(["accton", pacct], check=True, stdout=subprocess.DEVNULL)
    try:
        before = living_seconds()
        stat = machine_seconds()
        started = time.monotonic()
        with ThreadPoolExecutor(jobs) as pool:
            codes = list(pool.map(
                lambda _: subprocess.run(command, env=env, **QUIET).returncode, range(runs)))
        wall = time.monotonic() - started
        stat = {k: v - stat[k] for k, v in machine_seconds().items()}
        busy = busy_of(stat)
        after = living_seconds()
    finally:
        subprocess.run(["accton", "off"], check=True, stdout=subprocess.DEVNULL)
    if any(code != 0 for code in codes):
        sys.exit("%s: a run did not pass (exit codes %s)" % (label, sorted(set(codes))))
    cpu, count = accounted(pacct)
    os.unlink(pacct)
    for pid, (name, seconds) in after.items():
        if pid in before:
            cpu[name + " (alive)"] += seconds - before[pid][1]
    print("\n%s: %d runs, %d at a time, %.1f s wall, %.2f per s" % (label, runs, jobs, wall, runs / wall))
    print("  %-28s %10s %10s %8s" % ("process", "ms / run", "procs/run", "share"))
    accounted_total = sum(cpu.values())
    for name, seconds in cpu.most_common():
        if seconds * 1000 / runs < 1:
            continue
        print("  %-28s %10.1f %10.1f %7.1f%%" % (
            name, seconds * 1000 / runs, count.get(name, 0) / runs, 100 * seconds / busy))
    print("  %-28s %10.1f %10s %7.1f%%" % ("(not in any process)", (busy - accounted_total) * 1000 / runs, "", 100 * (busy - accounted_total) / busy))
    print("  %-28s %10.1f   (%s)" % ("machine, busy", busy * 1000 / runs, ", ".join(
        "%s %.1f" % (k, v * 1000 / runs) for k, v in stat.items() if k != "idle")))
    return busy / runs


QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--grader", default=os.path.join(ROOT, "target", "release", "grader"))
    parser.add_argument("--exercise", default="python/fizzbuzz")
    parser.add_argument("--python", default="python3")
    parser.add_argument(
        "--docker-host", action="append", default=[],
        help="an engine to grade on (as DOCKER_HOST); repeat to compare engines, "
        "e.g. one with another storage driver; default: the local engine")
    args = parser.parse_args()
    exercise = os.path.join(ROOT, "exercises", args.exercise)
    reference = os.path.join(exercise, "reference")

    load = os.getloadavg()
    print("load average before: %.2f %.2f %.2f" % load)
    work = tempfile.mkdtemp(prefix="grader-floor-")
    subprocess.run(["cp", "-r", os.path.join(reference, "."), os.path.join(exercise, "tests"), work], check=True)
    floor = measure(
        "pytest on the host",
        ["sh", "-c", "cd %s && %s -m pytest -q -p no:cacheprovider tests" % (work, args.python)],
        args.runs, args.jobs)
    engines = args.docker_host or [os.environ.get("DOCKER_HOST", "")]
    graded = {}
    for host in engines:
        env = dict(os.environ, DOCKER_HOST=host) if host else None
        driver = subprocess.run(
            ["docker", "info", "--format", "{{.Driver}}"], env=env,
            capture_output=True, text=True).stdout.strip()
        label = "grader grade, one container each, %s (%s)" % (host or "default engine", driver)
        graded[label] = measure(
            label, [args.grader, "grade", exercise, reference, "--format", "json"],
            args.runs, args.jobs, env)
    print("\nbusy CPU per run: pytest on the host %.0f ms" % (floor * 1000))
    for label, cpu in graded.items():
        print("  %s: %.0f ms, %.1f× the host" % (label, cpu * 1000, cpu / floor))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
