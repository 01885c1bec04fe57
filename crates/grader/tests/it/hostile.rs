//! Learner apps that attack the api kind's grading, against the real
//! engine: each is a submission of the fixture `fixtures/api/hostile`
//! (four scenarios, a 6 s wall limit, a 20 s readiness deadline, a 10 s
//! request timeout). Whatever the
//! app does, the grading ends within the wall limit and a margin, is never
//! an `infra` error, earns no point the app did not earn by answering, and
//! leaves no container behind. These run side by side.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use grader::result::{ErrorKind, GradeResult, Status, TestStatus};

use crate::support;

/// The fixture's `limits.wall_time`.
const WALL: Duration = Duration::from_secs(6);
/// What a grading may take beyond the wall limit: starting the container
/// before it, stopping and removing it after.
const MARGIN: Duration = Duration::from_secs(5);

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api/hostile")
}

/// Grades `app` as `app.py` and checks what holds for every app: within
/// the wall limit and margin, no `infra` error, no container left.
async fn grade(app: &str) -> GradeResult {
    let started = Instant::now();
    let (result, made) = support::grade_recorded(&fixture(), &[("app.py", app)]).await;
    let took = started.elapsed();
    holds(&result, took);
    let left = made.left_behind().await;
    assert!(left.is_empty(), "containers left behind: {left:?}");
    result
}

/// The same, forked in a learners' container, as `grader serve` runs it
/// by default.
async fn grade_forked(app: &str) -> GradeResult {
    let started = Instant::now();
    let (result, left) = support::grade_forked(&fixture(), &[("app.py", app)]).await;
    holds(&result, started.elapsed());
    assert!(left.is_empty(), "containers left behind: {left:?}");
    result
}

/// What holds for every app's grading that took `took`.
fn holds(result: &GradeResult, took: Duration) {
    if let Some(error) = &result.error {
        assert_ne!(
            error.kind,
            ErrorKind::Infra,
            "the app made the grader fail: {} — are the runner images built (`grader images build`)?",
            error.message
        );
        assert!(error.learner_fault, "{error:?}");
    }
    assert!(
        took < WALL + MARGIN,
        "the grading took {took:?}, past the wall limit of {WALL:?} and a margin: {result:#?}"
    );
}

fn test<'a>(result: &'a GradeResult, name: &str) -> &'a grader::result::TestResult {
    let id = format!("cases.yaml::{name}");
    result
        .tests
        .iter()
        .find(|test| test.id == id)
        .unwrap_or_else(|| panic!("no test {id} in {result:#?}"))
}

#[tokio::test]
async fn an_app_that_hangs_every_request_is_stopped_at_the_wall_limit() {
    // Four scenarios waiting their 10 s request timeout each would be 40 s;
    // the wall limit is 6 s.
    let app = r#"
import asyncio, os
import uvicorn
from fastapi import FastAPI

app = FastAPI()

@app.get("/health")
def health():
    return {"status": "ok"}

@app.get("/{path:path}")
async def hang(path: str):
    await asyncio.Event().wait()

uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]))
"#;
    let result = grade(app).await;
    assert_eq!(result.status, Status::Error, "{result:#?}");
    let error = result.error.as_ref().unwrap();
    assert_eq!(error.kind, ErrorKind::Timeout, "{}", error.message);
    assert_eq!(result.score, 0.0);
    let first = test(&result, "echo_one");
    assert_eq!(first.status, TestStatus::Error);
    // Stopped in its first request; or, on a machine so loaded that the
    // app took the whole limit to start, before it (before the scenario,
    // or with the scenario begun but not its first step).
    assert!(
        matches!(
            first.message.as_deref(),
            Some(
                "step 1: GET /echo/1\nthe time limit of 6s was reached while this scenario was running"
                    | "the time limit of 6s was reached while this scenario was running"
                    | "not run: the time limit of 6s was reached"
            )
        ),
        "{result:#?}"
    );
    for name in ["echo_two", "echo_three", "nothing_got_out"] {
        let test = test(&result, name);
        assert_eq!(test.status, TestStatus::Error);
        assert_eq!(
            test.message.as_deref(),
            Some("not run: the time limit of 6s was reached")
        );
    }
}

#[tokio::test]
async fn an_app_that_never_answers_readiness_is_stopped_at_the_wall_limit() {
    // Its readiness deadline is 20 s; the wall limit, 6 s, comes first.
    let app = "import time\nprint('warming up', flush=True)\ntime.sleep(3600)\n";
    let result = grade(app).await;
    let error = result.error.as_ref().unwrap();
    assert_eq!(error.kind, ErrorKind::Timeout, "{}", error.message);
    assert!(
        error.message.starts_with(
            "the time limit of 6s was reached before the app answered GET /health; its output:"
        ),
        "{}",
        error.message
    );
    assert!(error.message.contains("warming up"), "{}", error.message);
}

#[tokio::test]
async fn an_app_that_forks_a_bomb_after_readiness_earns_nothing_from_it() {
    let app = r#"
import os, threading
from flask import Flask

app = Flask(__name__)

@app.get("/health")
def health():
    return {"status": "ok"}

def bomb():
    while True:
        try:
            os.fork()
        except OSError:
            pass

@app.get("/<path:path>")
def anything(path):
    threading.Thread(target=bomb, daemon=True).start()
    return {"n": 0}

app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
"#;
    // In a container of its own, then forked in a learners' container.
    for result in [grade(app).await, grade_forked(app).await] {
        // Its only answers are wrong: whatever the bomb does to the rest, it
        // earns nothing.
        assert_eq!(result.score, 0.0, "{result:#?}");
        assert_eq!(result.tests.len(), 4, "{result:#?}");
    }
}

#[tokio::test]
async fn garbage_and_fake_frames_on_the_apps_stdout_and_stderr_change_nothing() {
    // The app's stdout and stderr are its log, not the tunnel: an honest
    // app that also writes frames and garbage there, and then closes its
    // stdout, still gets every answer through.
    let app = r#"
import os, struct, sys
import uvicorn
from fastapi import FastAPI

def frame(kind, conn, payload=b""):
    return struct.pack(">BII", kind, conn, len(payload)) + payload

JUNK = (
    b"\x00\xffnot a frame\x07" * 64
    + frame(4, 0, b"125")
    + frame(3, 1)
    + frame(2, 1, b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n{\"n\": 99}")
    + frame(9, 2, b"unknown kind")
    + b"\x02\x00\x00\x00\x01\xff\xff\xff\xff"
)

def spew():
    for fd in (1, 2):
        try:
            os.write(fd, JUNK)
        except OSError:
            pass

app = FastAPI()

@app.middleware("http")
async def garbage(request, call_next):
    spew()
    return await call_next(request)

@app.get("/health")
def health():
    return {"status": "ok"}

@app.get("/echo/{n}")
def echo(n: int):
    return {"n": n}

@app.get("/escape")
def escape():
    return {"escaped": []}

spew()
sys.stdout.flush()
os.close(1)
uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]))
"#;
    // In a container of its own, then forked in a learners' container.
    for result in [grade(app).await, grade_forked(app).await] {
        assert_eq!(result.status, Status::Passed, "{result:#?}");
        assert_eq!(result.score, 4.0);
    }
}

#[tokio::test]
async fn an_app_that_tries_every_way_out_reaches_nothing() {
    // It answers honestly, and reports in GET /escape every address it
    // could connect to, every name it could resolve, every socket it could
    // open, and whether it could write to or trace the harness that holds
    // the tunnel: the case expects none.
    let app = r#"
import ctypes, os, socket, struct, threading
from flask import Flask

PORT = int(os.environ["PORT"])
found = []
done = threading.Event()

def attempt(name, family, address, kind=socket.SOCK_STREAM):
    sock = socket.socket(family, kind)
    sock.settimeout(0.5)
    try:
        # A port connected to itself is not a way out.
        if sock.connect_ex(address) == 0 and sock.getsockname() != sock.getpeername():
            found.append(name)
    except OSError:
        pass
    finally:
        sock.close()

def gateways():
    with open("/proc/net/route") as routes:
        for line in list(routes)[1:]:
            gateway = int(line.split()[2], 16)
            if gateway:
                yield socket.inet_ntoa(struct.pack("<I", gateway))

def listening():
    """Every port something listens on in this network namespace: what a
    scan of all 65535 would find, without the seconds it takes."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                for line in list(lines)[1:]:
                    fields = line.split()
                    if fields[3] == "0A":  # LISTEN
                        yield int(fields[1].rsplit(":", 1)[1], 16)
        except OSError:
            pass

def scan():
    for port in sorted(set(range(1, 1025)) | set(listening())):
        if port != PORT:
            attempt("127.0.0.1:%d" % port, socket.AF_INET, ("127.0.0.1", port))
    hosts = ["172.17.0.1", "172.18.0.1", "10.0.2.2", "192.168.0.1",
             "169.254.169.254", "1.1.1.1", "8.8.8.8"] + list(gateways())
    for host in hosts:
        for port in (22, 53, 80, 443, 2375, 2376, 5432, 6379, 8000, 8080):
            attempt("%s:%d" % (host, port), socket.AF_INET, (host, port))
    for host in ("::1", "2001:4860:4860::8888", "fe80::1"):
        for port in (22, 53, 80, 443, 2375, 8000):
            attempt("[%s]:%d" % (host, port), socket.AF_INET6, (host, port, 0, 0))
    for name in ("deb.debian.org", "example.com", "host.docker.internal", "gateway.docker.internal"):
        try:
            socket.getaddrinfo(name, 80)
            found.append("resolved " + name)
        except OSError:
            pass
    try:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.settimeout(0.5)
        udp.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", ("8.8.8.8", 53))
        udp.recvfrom(512)
        found.append("udp 8.8.8.8:53")
    except OSError:
        pass
    for path in ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"):
        attempt(path, socket.AF_UNIX, path)
    # The harness, its parent, holds the grader's end of the tunnel.
    harness = os.getppid()
    try:
        open("/proc/%d/fd/1" % harness, "wb").close()
        found.append("the harness's stdout")
    except OSError:
        pass
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, harness, None, None) == 0:  # PTRACE_ATTACH
        found.append("ptrace of the harness")
        libc.ptrace(17, harness, None, None)  # PTRACE_DETACH
    done.set()

threading.Thread(target=scan, daemon=True).start()
app = Flask(__name__)

@app.get("/health")
def health():
    return {"status": "ok"}

@app.get("/echo/<int:n>")
def echo(n):
    return {"n": n}

@app.get("/escape")
def escape():
    if not done.wait(3):
        return {"escaped": found + ["(the scan did not finish)"]}
    return {"escaped": found}

app.run(host="127.0.0.1", port=PORT, threaded=True)
"#;
    // In a container of its own, then forked in a learners' container.
    for result in [grade(app).await, grade_forked(app).await] {
        let probe = test(&result, "nothing_got_out");
        assert_eq!(
            probe.status,
            TestStatus::Passed,
            "{}",
            probe.message.as_deref().unwrap_or_default()
        );
        assert_eq!(result.status, Status::Passed, "{result:#?}");
        assert_eq!(result.score, 4.0);
    }
}

#[tokio::test]
async fn an_app_that_exits_125_mid_run_is_its_own_failure() {
    // 125 is the code the entry script uses to refuse a job's files; the
    // app's exit is only ever the app's.
    let app = r#"
import os
from flask import Flask

app = Flask(__name__)

@app.get("/health")
def health():
    return {"status": "ok"}

@app.get("/<path:path>")
def anything(path):
    os._exit(125)

app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
"#;
    // In a container of its own, then forked in a learners' container.
    for result in [grade(app).await, grade_forked(app).await] {
        assert_eq!(result.error, None, "{result:#?}");
        assert_eq!(result.status, Status::Failed);
        assert_eq!(result.score, 0.0);
        // The last case either finds the app already gone (the harness said so
        // first) or gets no answer from it: which one is a race, and either is
        // the app's own failure.
        let last = test(&result, "nothing_got_out")
            .message
            .as_deref()
            .unwrap_or_default();
        assert!(
            last == "not run: the app had stopped (exit code 125)"
                || last.ends_with("no response: the app closed the connection or is not running"),
            "{result:#?}"
        );
    }
}
