//! `ForkPool`, the cross-job hostile suite: a learner's job that leaves
//! something for the next one (another learner's, in the same container)
//! or tries to read what the previous one had. The next job must see
//! nothing and be unaffected; a job that hit a limit or reached the
//! grader's socket retires its container.

use std::time::Duration;

use grader_sandbox::{Ending, ForkPool, Limits, Outcome, Runner};

use crate::support::{assert_container_gone, job, python, quick_limits, sandbox};

fn pool_of(sandbox: grader_sandbox::DockerSandbox) -> ForkPool {
    ForkPool::new(sandbox, 1, Duration::from_secs(600))
}

async fn run(pool: &ForkPool, limits: Limits, code: &str) -> Outcome {
    pool.run(&job(limits), python(code))
        .await
        .expect("the job runs")
}

/// The value after `name ` on a line of the job's stdout.
fn seen(outcome: &Outcome, name: &str) -> String {
    outcome
        .stdout
        .text()
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} line in {outcome:?}"))
        .to_owned()
}

/// What a job finds of earlier ones: its container, its user, the scratch
/// folders, the other processes, the IPC objects, a socket and a port an
/// earlier job listened on, a FIFO's writer.
const LOOK_AROUND: &str = r#"
import os as _os


def print(*words, **_):
    # One write a line: a leftover process writing to the same pipe cannot
    # land in the middle of it.
    _os.write(1, (" ".join(str(word) for word in words) + "\n").encode())


import os, socket
print("host", socket.gethostname())
print("uid", os.getuid())
print("parent", open(f"/proc/{os.getppid()}/comm").read().strip())
print("cwd", os.getcwd())
found = {}
for folder in ("/work", "/tmp", "/dev/shm", "/dev/mqueue"):
    try:
        found[folder] = sorted(os.listdir(folder))
    except OSError as error:
        found[folder] = error.strerror
print("files", found)
# Processes of any user but this job's and root (the zygote, init), by
# their real uid (the /proc folder of a process that changed its user is
# root's).
strangers = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            status = open(f"/proc/{pid}/status").read()
            uid = int(status.split("\nUid:")[1].split()[0])
            if uid not in (0, os.getuid()):
                strangers.append(open(f"/proc/{pid}/cmdline").read().replace("\0", " ").strip())
        except OSError:
            pass
print("processes", sorted(strangers))
ipc = {kind: open(f"/proc/sysvipc/{kind}").read().splitlines()[1:] for kind in ("shm", "sem", "msg")}
print("ipc", ipc)
for name, family, address in (
    ("abstract", socket.AF_UNIX, "\0left-behind"),
    ("tcp", socket.AF_INET, ("127.0.0.1", 47123)),
):
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.connect(address)
        print(name, "connected")
    except OSError as error:
        print(name, "refused", error.errno)
print("env", sorted(name for name in os.environ if name.startswith(("LEFT", "GRADER_ZYGOTE"))))
"#;

/// Leaves, in every way a job can, something for the next job; then says
/// what it could do to the zygote.
const LEAVE_EVERYTHING: &str = r#"
import os as _os


def print(*words, **_):
    # One write a line: a leftover process writing to the same pipe cannot
    # land in the middle of it.
    _os.write(1, (" ".join(str(word) for word in words) + "\n").encode())


import ctypes, os, signal, socket, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
for place in ("left.txt", "/work/.hidden", "/tmp/left", "/tmp/.left", "/dev/shm/left"):
    with open(place, "w") as f:
        f.write("secret of the first job")
    os.chmod(place, 0o666)
for locked in ("/work/locked", "/tmp/locked"):
    os.makedirs(locked + "/inner")
    open(locked + "/inner/left", "w").write("x")
    os.chmod(locked + "/inner", 0)
    os.chmod(locked, 0)
os.mkfifo("/tmp/fifo", 0o666)
# System V: shared memory, a semaphore set, a message queue, all open to anyone.
IPC_CREAT = 0o1000
print("shm", libc.shmget(0x1234, 4096, IPC_CREAT | 0o666))
print("sem", libc.semget(0x1235, 1, IPC_CREAT | 0o666))
print("msg", libc.msgget(0x1236, IPC_CREAT | 0o666))
# A POSIX message queue, a file of /dev/mqueue.
libc.mq_open.restype = ctypes.c_int
print("mq", libc.mq_open(b"/left", os.O_CREAT | os.O_RDWR, 0o666, None))
# A kernel keyring entry (the engine's seccomp profile refuses it).
SYS_add_key = 248
key = libc.syscall(SYS_add_key, b"user", b"left", b"secret", 6, -4)
print("add_key", key, ctypes.get_errno())
# Processes: one that listens, one that writes to this job's output, one stopped.
listener = r'''
import os, socket, time
a = socket.socket(socket.AF_UNIX); a.bind("\0left-behind"); a.listen()
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", 47123)); t.listen()
fifo = os.open("/tmp/fifo", os.O_RDWR)
while True:
    os.write(1, b"LEFTOVER still writing\n")
    time.sleep(0.01)
'''
subprocess.Popen([sys.executable, "-c", listener], start_new_session=True)
stopped = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
os.kill(stopped.pid, signal.SIGSTOP)
os.environ["LEFT_ENV"] = "1"
time.sleep(0.3)
# The zygote: another user's, root's.
zygote = next(int(p) for p in os.listdir("/proc") if p.isdigit()
              and open(f"/proc/{p}/comm").read().strip() == "grader-zygote")
try:
    os.kill(zygote, signal.SIGKILL)
    print("zygote killed")
except OSError as error:
    print("zygote kill", error.errno)
try:
    open(f"/proc/{zygote}/environ").read()
    print("zygote environ read")
except OSError as error:
    print("zygote environ", error.errno)
"#;

#[tokio::test]
async fn the_next_job_finds_nothing_of_the_last_one() {
    let pool = pool_of(sandbox().await);
    let code = format!("{LEAVE_EVERYTHING}\n{LOOK_AROUND}");
    let first = run(&pool, quick_limits(), &code).await;
    assert_eq!(first.ending, Ending::Exited { code: 0 }, "{first:?}");
    // Every IPC object was made: what the next job must not find.
    for kind in ["shm", "sem", "msg", "mq"] {
        let made: i64 = seen(&first, kind).parse().unwrap();
        assert!(
            made >= 0,
            "the first job could not make its {kind}: {first:?}"
        );
    }
    assert!(
        seen(&first, "add_key").starts_with("-1 "),
        "a keyring entry was made: {first:?}"
    );
    assert_eq!(seen(&first, "zygote kill"), "1", "EPERM: {first:?}");
    assert_eq!(seen(&first, "zygote environ"), "13", "EACCES: {first:?}");
    assert_eq!(seen(&first, "abstract"), "connected", "{first:?}");
    assert_eq!(seen(&first, "parent"), "grader-zygote", "{first:?}");

    let second = run(&pool, quick_limits(), LOOK_AROUND).await;
    assert_eq!(second.ending, Ending::Exited { code: 0 }, "{second:?}");
    assert_eq!(seen(&first, "host"), seen(&second, "host"), "one container");
    assert_eq!(seen(&second, "parent"), "grader-zygote", "{second:?}");
    let (first_uid, second_uid): (u32, u32) = (
        seen(&first, "uid").parse().unwrap(),
        seen(&second, "uid").parse().unwrap(),
    );
    assert!(
        first_uid >= 20000 && second_uid >= 20000,
        "{first_uid} {second_uid}"
    );
    assert_ne!(first_uid, second_uid, "a uid of its own for each job");
    assert_eq!(seen(&second, "cwd"), "/work");
    assert_eq!(
        seen(&second, "files"),
        "{'/work': [], '/tmp': [], '/dev/shm': [], '/dev/mqueue': []}",
        "{second:?}"
    );
    assert_eq!(seen(&second, "processes"), "[]", "{second:?}");
    assert_eq!(
        seen(&second, "ipc"),
        "{'shm': [], 'sem': [], 'msg': []}",
        "{second:?}"
    );
    assert!(
        seen(&second, "abstract").starts_with("refused"),
        "{second:?}"
    );
    assert!(seen(&second, "tcp").starts_with("refused"), "{second:?}");
    assert_eq!(seen(&second, "env"), "[]", "{second:?}");
    assert!(
        !second.stdout.text().contains("LEFTOVER"),
        "the first job's process wrote into the second's output: {second:?}"
    );
    let host = seen(&first, "host");
    pool.close(Duration::from_secs(10)).await;
    assert_container_gone(&host).await;
}

/// A job that fills the scratch folders, forks until the process limit
/// refuses, or reaches the grader's socket retires its container: the
/// next job gets a fresh one, with room and processes to spare.
#[tokio::test]
async fn a_job_that_hits_a_limit_or_reaches_the_grader_retires_its_container() {
    let pool = pool_of(sandbox().await);
    let fill = r#"
import errno, os
for folder in ("/work", "/tmp", "/dev/shm"):
    for n in range(1000):
        try:
            with open("%s/fill%d" % (folder, n), "wb") as f:
                while True:
                    f.write(b"x" * 65536)
        except OSError as error:
            if error.errno == errno.ENOSPC:
                break
"#;
    let fork_bomb = r#"
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
except OSError:
    print("refused after", children)
"#;
    let knock = r#"
import socket
s = socket.socket(socket.AF_UNIX)
s.connect("/run/grader-zygote/grader.sock")
s.sendall(b"{}")
print("knocked")
"#;
    let limits = Limits {
        pids: 64,
        ..quick_limits()
    };
    for (name, code) in [("fill", fill), ("fork bomb", fork_bomb), ("knock", knock)] {
        let first = run(&pool, limits.clone(), &format!("{code}\n{LOOK_AROUND}")).await;
        let second = run(&pool, limits.clone(), LOOK_AROUND).await;
        assert_eq!(
            second.ending,
            Ending::Exited { code: 0 },
            "{name}: {second:?}"
        );
        assert_ne!(
            seen(&first, "host"),
            seen(&second, "host"),
            "{name}: the container was not retired: {first:?}"
        );
        assert_eq!(
            seen(&second, "files"),
            "{'/work': [], '/tmp': [], '/dev/shm': [], '/dev/mqueue': []}",
            "{name}: {second:?}"
        );
        assert_eq!(seen(&second, "processes"), "[]", "{name}: {second:?}");
    }
    pool.close(Duration::from_secs(10)).await;
}

/// A job stopped by the wall clock leaves processes only removing the
/// container stops: it is retired, and the next job is unaffected.
#[tokio::test]
async fn a_job_past_its_wall_clock_retires_its_container() {
    let pool = pool_of(sandbox().await);
    let limits = Limits {
        wall_time: Duration::from_secs(2),
        ..quick_limits()
    };
    let endless = r#"
import socket, subprocess, sys, time
print("host", socket.gethostname(), flush=True)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
while True:
    time.sleep(1)
"#;
    let first = run(&pool, limits.clone(), endless).await;
    assert_eq!(first.ending, Ending::TimedOut, "{first:?}");
    let second = run(&pool, quick_limits(), LOOK_AROUND).await;
    assert_eq!(second.ending, Ending::Exited { code: 0 }, "{second:?}");
    assert_ne!(seen(&first, "host"), seen(&second, "host"));
    assert_eq!(seen(&second, "processes"), "[]", "{second:?}");
    pool.close(Duration::from_secs(10)).await;
    assert_container_gone(&seen(&first, "host")).await;
}

/// Limits hold per job in a forked job as in a container of its own: the
/// memory limit ends a job with OutOfMemory (and retires the container).
#[tokio::test]
async fn a_forked_job_has_its_own_memory_limit() {
    let pool = pool_of(sandbox().await);
    let limits = Limits {
        memory: 128 * 1024 * 1024,
        ..quick_limits()
    };
    let hog = r#"
import socket
print("host", socket.gethostname(), flush=True)
hog = []
while True:
    hog.append(bytearray(16 * 1024 * 1024))
"#;
    let first = run(&pool, limits.clone(), hog).await;
    assert_eq!(first.ending, Ending::OutOfMemory, "{first:?}");
    let second = run(&pool, limits, LOOK_AROUND).await;
    assert_eq!(second.ending, Ending::Exited { code: 0 }, "{second:?}");
    assert_ne!(seen(&first, "host"), seen(&second, "host"));
    pool.close(Duration::from_secs(10)).await;
}

/// A waiting container gives its uid range up to a new kind of job when
/// none is free: a course has more kinds of job than ranges, and a job of
/// a new kind still forks, in a container of its own range.
#[tokio::test]
async fn a_waiting_container_makes_room_for_a_new_kind_of_job() {
    let pool = ForkPool::with_ranges(sandbox().await, 1, Duration::from_secs(600), 1);
    let mut first_job = job(quick_limits());
    first_job.env = vec![("KIND".to_owned(), "first".to_owned())];
    let mut second_job = job(quick_limits());
    second_job.env = vec![("KIND".to_owned(), "second".to_owned())];
    let first = pool.run(&first_job, python(LOOK_AROUND)).await.unwrap();
    assert_eq!(pool.idle(), 1, "the first kind's container waits");
    let second = pool.run(&second_job, python(LOOK_AROUND)).await.unwrap();
    for outcome in [&first, &second] {
        assert_eq!(outcome.ending, Ending::Exited { code: 0 }, "{outcome:?}");
        assert_eq!(
            seen(outcome, "parent"),
            "grader-zygote",
            "forked: {outcome:?}"
        );
    }
    assert_ne!(seen(&first, "host"), seen(&second, "host"));
    assert_eq!(
        seen(&first, "uid"),
        seen(&second, "uid"),
        "the one range, given to the second container once the first was gone"
    );
    pool.close(Duration::from_secs(10)).await;
    assert_container_gone(&seen(&first, "host")).await;
    assert_container_gone(&seen(&second, "host")).await;
}
