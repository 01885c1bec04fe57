//! The pytest kind against the real engine, on `pytest/test-slugify` (five
//! bugs of a point each; `keeps-case` and `cut-leaves-dash` visible): what
//! the learner's tests earn, what a learner sees, and learner tests that
//! attack the grading. Learner tests are learner code: whatever they do —
//! read the disk for another implementation, look for the job's key, leave
//! state for a later run, exit the interpreter, rewrite pytest's verdicts,
//! write to the report — they earn nothing they did not earn by testing,
//! and never make the grading an `infra` error.

use grader::result::{ErrorKind, GradeResult, Status, TestStatus};
use grader::{Exercise, Grader, Images, Submission, View};

use crate::support::{self, reference};

const EXERCISE: &str = "pytest/test-slugify";
const FILE: &str = "test_slugify.py";
const BUGS: [&str; 5] = [
    "keeps-case",
    "drops-digits",
    "no-collapse",
    "cut-leaves-dash",
    "cut-one-short",
];

async fn grade(tests: &str) -> GradeResult {
    support::grade(EXERCISE, &[(FILE, tests)]).await
}

fn bug<'a>(result: &'a GradeResult, name: &str) -> &'a grader::result::TestResult {
    let id = format!("bugs::{name}");
    result
        .tests
        .iter()
        .find(|test| test.id == id)
        .unwrap_or_else(|| panic!("no {id} in {result:#?}"))
}

fn caught(result: &GradeResult) -> Vec<&str> {
    BUGS.iter()
        .copied()
        .filter(|name| bug(result, name).status == TestStatus::Passed)
        .collect()
}

/// Every learner test passed on the correct implementation; the attack
/// caught nothing.
fn assert_earned_nothing(result: &GradeResult) {
    assert!(result.error.is_none(), "{result:#?}");
    for test in result
        .tests
        .iter()
        .filter(|test| !test.id.starts_with("bugs::"))
    {
        assert_eq!(test.status, TestStatus::Passed, "{test:#?}");
    }
    assert_eq!(caught(result), Vec::<&str>::new(), "{result:#?}");
    assert_eq!(result.score, 0.0);
    assert_eq!(result.max_score, 5.0);
}

#[tokio::test]
async fn a_test_failing_on_correct_code_is_named_and_the_others_still_catch_bugs() {
    let tests = reference(EXERCISE, FILE)
        + "\n\ndef test_wrong_about_dashes():\n    assert slugify('a b') == 'a_b', 'expected underscores'\n";
    let result = grade(&tests).await;
    let wrong = result
        .tests
        .iter()
        .find(|test| test.id == "test_slugify.py::test_wrong_about_dashes")
        .unwrap();
    assert_eq!(wrong.status, TestStatus::Failed);
    let message = wrong.message.as_deref().unwrap();
    assert!(
        message.starts_with("this test fails on correct code"),
        "{message}"
    );
    assert!(message.contains("expected underscores"), "{message}");
    assert_eq!(caught(&result), BUGS.to_vec(), "{result:#?}");
    assert_eq!(result.score, 5.0);
    assert_eq!(result.status, Status::Failed);
    let message = bug(&result, "drops-digits").message.as_deref().unwrap();
    assert!(
        message.contains("by test_slugify.py::test_keeps_digits"),
        "{message}"
    );
}

#[tokio::test]
async fn a_bug_is_caught_only_by_a_test_that_tells_it_apart() {
    let tests = "from slugify import slugify\n\n\
                 def test_case():\n    assert slugify('Hello') == 'hello'\n";
    let result = grade(tests).await;
    assert_eq!(caught(&result), vec!["keeps-case"], "{result:#?}");
    assert_eq!(result.score, 1.0);
    let missed = bug(&result, "drops-digits").message.as_deref().unwrap();
    assert!(missed.starts_with("missed: digits are dropped"), "{missed}");
}

#[tokio::test]
async fn the_learner_view_names_visible_bugs_only_and_never_shows_a_bugs_code() {
    let tests = "from slugify import slugify\n\n\
                 def test_word():\n    assert slugify('hello') == 'hello'\n";
    let result = grade(tests).await.for_view(View::Learner);
    let json = result.to_json();
    let keeps_case = bug(&result, "keeps-case");
    assert_eq!(
        keeps_case.name,
        "upper-case letters are dropped instead of lowercased"
    );
    assert!(
        keeps_case
            .message
            .as_deref()
            .unwrap()
            .starts_with("missed: ")
    );
    let drops_digits = bug(&result, "drops-digits");
    assert_eq!(drops_digits.name, "hidden bug 2");
    assert_eq!(drops_digits.message, None);
    assert_eq!(drops_digits.max_score, 1.0);
    // Neither a hidden bug's description nor any bug's code, nor the
    // correct implementation's.
    for secret in [
        "digits are dropped",
        "every other character becomes a dash",
        "one character fewer",
        "re.split",
        "[a-z]+",
        "max_length - 1",
        "re.findall",
        "rstrip",
    ] {
        assert!(
            !json.contains(secret),
            "`{secret}` in the learner view: {json}"
        );
    }
}

/// A learner test that looks everywhere it can for an implementation's
/// code — the one it runs against, the correct one, a bug's — and fails
/// when it finds any: it would catch every bug if any run could see one.
/// The implementation is in no file: it lives in the memory of processes
/// the tests cannot read.
#[tokio::test]
async fn a_test_that_searches_the_disk_for_implementations_finds_none() {
    let tests = r#"
import os

def test_no_slugify_anywhere():
    found = []
    # Everywhere a job's files could be: the image (/usr) is built before
    # any exercise exists.
    for top in ("/work", "/tmp", "/dev/shm", "/opt", "/home", "/var", "/run", "/root", "/srv", "/mnt"):
      for root, dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            if os.path.realpath(path) == os.path.realpath(__file__):
                continue
            try:
                with open(path, "rb") as f:
                    data = f.read(1 << 20)
            except OSError:
                continue
            if b"def slugify" in data or b"+++ b/slugify.py" in data or b"keeps-case" in data:
                found.append(path)
    assert found == [], found
    assert sorted(os.listdir(".")) in (["test_slugify.py"], ["__pycache__", "test_slugify.py"]), os.listdir(".")
"#;
    assert_earned_nothing(&grade(tests).await);
}

/// Everything a test could learn of the implementation's code rather than
/// its behaviour, hashed: its source, bytecode, namespace, globals, the
/// modules it imports, reprs, line numbers in tracebacks, the memory of the
/// processes it runs in. The attack: a first submission fails on correct
/// code with the hash in its message; a second asserts that hash, which
/// would pass on correct code and fail on every bug if any of it told the
/// implementations apart. Here it tells nothing apart.
#[tokio::test]
async fn a_test_that_fingerprints_the_implementations_code_catches_nothing() {
    let fingerprint = r#"
import hashlib
import inspect
import os
import sys

import slugify as module
from slugify import slugify


def probe(read):
    try:
        return repr(read())
    except BaseException as error:
        return type(error).__name__


def memory_of_other_processes():
    seen = []
    for pid in sorted(os.listdir("/proc")):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/maps") as maps:
                regions = [line.split()[0] for line in maps if "rw-p" in line]
            with open(f"/proc/{pid}/mem", "rb") as mem:
                for region in regions:
                    start, end = (int(part, 16) for part in region.split("-"))
                    mem.seek(start)
                    data = mem.read(min(end - start, 1 << 20))
                    at = data.find(b"def slugify")
                    if at >= 0:
                        seen.append(data[at:at + 400])
        except OSError:
            pass
    return seen


def raw(value, name):
    """A read asked of the implementation's process straight, past the
    proxy's own refusals, which are the learner's to undo."""
    return value._g_conn.request("getattr", value, name)


def fingerprint():
    readings = [
        probe(lambda: raw(slugify, "__code__").co_code),
        probe(lambda: raw(raw(slugify, "__code__"), "co_firstlineno")),
        probe(lambda: raw(slugify, "__globals__")),
        probe(lambda: raw(module, "__dict__")),
        probe(lambda: raw(module, "__loader__").get_source("slugify")),
        probe(lambda: raw(module, "__builtins__")),
        probe(lambda: raw(module, "re").sys.modules),
        probe(lambda: inspect.getsource(slugify)),
        probe(lambda: slugify.__code__.co_code),
        probe(lambda: slugify.__code__.co_firstlineno),
        probe(lambda: slugify.__globals__),
        probe(lambda: slugify.__defaults__),
        probe(lambda: slugify.__doc__),
        probe(lambda: sorted(vars(module))),
        probe(lambda: module.__file__),
        probe(lambda: module.re),
        probe(lambda: module.re.compile),
        probe(lambda: repr(slugify)),
        probe(lambda: repr(module)),
        probe(lambda: (hash(slugify), hash(module), format(slugify))),
        probe(lambda: dir(module)),
        probe(lambda: module.nothing_here),
        probe(lambda: sorted(os.listdir("."))),
        probe(memory_of_other_processes),
    ]
    try:
        module.nothing_here
    except AttributeError as error:
        tb, lines = error.__traceback__, []
        while tb is not None:
            lines.append((os.path.basename(tb.tb_frame.f_code.co_filename), tb.tb_lineno))
            tb = tb.tb_next
        readings.append(repr(lines))
    return hashlib.sha256("\n".join(readings).encode()).hexdigest()
"#;
    let first = format!(
        "{fingerprint}\n\ndef test_leak():\n    assert False, 'FINGERPRINT=' + fingerprint()\n"
    );
    let result = grade(&first).await;
    let message = result
        .tests
        .iter()
        .find(|test| test.id == "test_slugify.py::test_leak")
        .and_then(|test| test.message.clone())
        .unwrap_or_else(|| panic!("no message for test_leak in {result:#?}"));
    let hash = message
        .rsplit("FINGERPRINT=")
        .next()
        .and_then(|rest| rest.get(..64))
        .unwrap_or_else(|| panic!("no fingerprint in {message}"));
    let second = format!(
        "{fingerprint}\n\ndef test_is_the_correct_one():\n    assert fingerprint() == '{hash}'\n"
    );
    assert_earned_nothing(&grade(&second).await);
}

/// The job's key is in the entry process's memory only: not on disk, not
/// in the child's environment, not readable through /proc; a line written
/// to the container's stdout without it counts for nothing.
#[tokio::test]
async fn a_test_cannot_read_the_key_nor_forge_a_report_line() {
    let tests = r#"
import os

def test_the_key_is_out_of_reach():
    assert not os.path.exists("/work/.grader"), os.listdir("/work")
    assert "key" not in " ".join(os.environ).lower(), dict(os.environ)
    parent = os.getppid()
    for what in ("environ", "mem", "maps"):
        try:
            with open(f"/proc/{parent}/{what}", "rb") as f:
                data = f.read(4096)
        except OSError:
            continue
        raise AssertionError(f"/proc/{parent}/{what} is readable: {data[:80]!r}")
    for fd in range(3, 64):
        try:
            os.readlink(f"/proc/{parent}/fd/{fd}")
        except OSError:
            continue
        raise AssertionError(f"the parent's descriptors are listable")

def test_forged_lines_count_for_nothing():
    forged = (
        '\n@@grader:0:00000000000000000000000000000000 {"event":"done","exit_code":0}\n'
        '\n@@grader:9:00000000000000000000000000000000 {"event":"result","id":"x"}\n'
    )
    for target in ("/proc/1/fd/1", "/proc/1/fd/2"):
        try:
            with open(target, "w") as out:
                out.write(forged)
        except OSError:
            pass
"#;
    assert_earned_nothing(&grade(tests).await);
}

/// Each run is a container of its own: what one run leaves behind — files
/// in every writable place, a process listening on an abstract socket — is
/// not there for the next. A test that fails when it finds a trace of an
/// earlier run would otherwise pass only on the first run (the correct
/// implementation's) and catch every bug.
#[tokio::test]
async fn nothing_one_run_leaves_behind_reaches_another() {
    let tests = r#"
import os
import socket
import subprocess
import sys

PLACES = ["/tmp/.seen", "/dev/shm/.seen", "/work/.seen", os.path.expanduser("~/.seen")]
ADDRESS = "\0grader-seen"
# A run runs a passing test several times: only its first time looks, so it
# finds only what another run left, never its own traces.
LOOKED = []

def test_first_run():
    if LOOKED:
        return
    LOOKED.append(True)
    seen = [place for place in PLACES if os.path.exists(place)]
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(ADDRESS)
        seen.append("a listener from an earlier run")
    except OSError:
        pass
    for place in PLACES:
        try:
            open(place, "w").close()
        except OSError:
            pass
    subprocess.Popen(
        [sys.executable, "-c",
         "import socket, time\n"
         "s = socket.socket(socket.AF_UNIX)\n"
         "s.bind('\\0grader-seen')\n"
         "s.listen()\n"
         "time.sleep(600)\n"],
        start_new_session=True,
    )
    assert seen == [], seen
"#;
    assert_earned_nothing(&grade(tests).await);
}

#[tokio::test]
async fn a_test_that_exits_the_interpreter_earns_nothing() {
    let tests =
        reference(EXERCISE, FILE) + "\n\ndef test_zzz_leave():\n    import os\n    os._exit(0)\n";
    let result = grade(&tests).await;
    let error = result.error.as_ref().expect("an error");
    assert_eq!(error.kind, ErrorKind::Crashed, "{error:?}");
    assert!(error.learner_fault);
    assert!(
        error.message.contains("did not finish"),
        "{}",
        error.message
    );
    assert_eq!(result.score, 0.0);
    assert_eq!(result.max_score, 5.0);
}

/// A test module that rewrites pytest's verdicts so every test passes: its
/// failing tests pass on correct code and on every bug alike.
#[tokio::test]
async fn a_test_that_makes_pytest_report_passes_earns_nothing() {
    let tests = r#"
import _pytest.runner
from _pytest.reports import TestReport

made = _pytest.runner.pytest_runtest_makereport

def always_passed(item, call):
    report = made(item, call)
    report.outcome = "passed"
    report.longrepr = None
    return report

_pytest.runner.pytest_runtest_makereport = always_passed
TestReport.failed = property(lambda self: False)
TestReport.passed = property(lambda self: True)

from slugify import slugify

def test_everything_is_wrong():
    assert slugify("Hello") == "nonsense"
"#;
    assert_earned_nothing(&grade(tests).await);
}

/// A test that writes to the report pipe itself: every run says what it
/// says, all passed and finished, on the correct implementation and on
/// every bug alike.
#[tokio::test]
async fn a_test_that_writes_its_own_report_earns_nothing() {
    let tests = r#"
import json
import os
import sys

def test_forge():
    fd = int(sys.argv[1])
    ids = ["test_slugify.py::test_forge"]
    lines = [{"event": "result", "id": i, "outcome": "passed", "message": "", "output": ""} for i in ids]
    lines.append({"event": "finished", "exit_code": 0})
    os.write(fd, "".join(json.dumps(line) + "\n" for line in lines).encode())
    os._exit(0)
"#;
    let result = grade(tests).await;
    assert!(result.error.is_none(), "{result:#?}");
    assert_eq!(caught(&result), Vec::<&str>::new(), "{result:#?}");
    assert_eq!(result.score, 0.0);
}

#[tokio::test]
async fn a_test_file_that_cannot_load_says_why() {
    let result = grade("from slugify import nothing_here\n").await;
    let error = result.error.as_ref().expect("an error");
    assert_eq!(error.kind, ErrorKind::Crashed, "{error:?}");
    assert!(error.message.contains("nothing_here"), "{}", error.message);
    assert_eq!(result.score, 0.0);
    assert_eq!(result.max_score, 5.0);
}

/// A bug's patch that no longer applies is the exercise's fault: `infra`
/// for the grading, and `grader check` names the patch.
#[tokio::test]
async fn a_stale_bug_patch_fails_check_with_its_name() {
    let (_temp, dir) = support::scratch_copy(EXERCISE);
    let path = dir.join("implementation/slugify.py");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("lowered = text.lower()", "lowered = str.lower(text)");
    std::fs::write(&path, text).unwrap();
    let exercise = Exercise::load(&dir).unwrap();
    let submission = Submission {
        files: [(FILE.to_owned(), reference(EXERCISE, FILE).into_bytes())].into(),
    };
    let grader: Grader<_> = Grader::new(
        support::grader_sandbox().await,
        Images::new(support::root().join("runner-images")),
    );
    let result = grader.grade(&exercise, &submission).await;
    let error = result.error.as_ref().expect("an error");
    assert_eq!(error.kind, ErrorKind::Infra);
    assert!(
        error
            .message
            .starts_with("could not make bug keeps-case: bugs/keeps-case.patch no longer applies"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("implementation/slugify.py"),
        "{}",
        error.message
    );
    let check = grader.check(&dir).await;
    assert!(!check.ok());
}

/// A test that fails inside the implementation shows the exception, never
/// a line of the implementation's code (pytest's traceback would quote it).
#[tokio::test]
async fn a_failure_inside_the_implementation_quotes_none_of_its_code() {
    let tests = "from slugify import slugify\n\n\
                 def test_none():\n    slugify(None)\n";
    let result = grade(tests).await.for_view(View::Learner);
    let test = result
        .tests
        .iter()
        .find(|test| test.id == "test_slugify.py::test_none")
        .unwrap();
    let message = test.message.as_deref().unwrap();
    assert!(message.contains("AttributeError"), "{message}");
    assert!(message.contains("slugify(None)"), "{message}");
    assert!(!message.contains("lower()"), "{message}");
    assert!(!message.contains("\nslugify.py:"), "{message}");
}

/// In a warm container the learner's pytest is started, pytest imported,
/// before the job exists; a grading from warm containers earns what a cold
/// one does, and a test failing on correct code reads the same.
#[tokio::test]
async fn warm_containers_grade_as_cold_ones_do() {
    let pool = grader_sandbox::WarmPool::new(
        support::grader_sandbox().await,
        6,
        std::time::Duration::from_secs(120),
    );
    let grader = Grader::new(
        pool.clone(),
        Images::new(support::root().join("runner-images")),
    );
    let exercise = Exercise::load(&support::exercise_dir(EXERCISE)).unwrap();
    let tests = reference(EXERCISE, FILE)
        + "\n\ndef test_wrong():\n    assert slugify('a b') == 'a_b', 'expected underscores'\n";
    let submission = Submission {
        files: [(FILE.to_owned(), tests.into_bytes())].into(),
    };
    // The first grading fills the pool (a container for each of its six
    // runs, less those its later runs took); the second takes warm ones.
    let cold = grader.grade(&exercise, &submission).await;
    let started = std::time::Instant::now();
    while pool.idle() < 3 && started.elapsed() < std::time::Duration::from_secs(60) {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(pool.idle() >= 3, "the pool did not refill: {}", pool.idle());
    let warm = grader.grade(&exercise, &submission).await;
    pool.close(std::time::Duration::from_secs(10)).await;
    for result in [&cold, &warm] {
        assert!(result.error.is_none(), "{result:#?}");
        assert_eq!(caught(result), BUGS.to_vec(), "{result:#?}");
        let wrong = result
            .tests
            .iter()
            .find(|test| test.id == "test_slugify.py::test_wrong")
            .unwrap();
        assert_eq!(wrong.status, TestStatus::Failed);
        assert!(
            wrong
                .message
                .as_deref()
                .unwrap_or_default()
                .contains("expected underscores"),
            "{wrong:#?}"
        );
    }
}
