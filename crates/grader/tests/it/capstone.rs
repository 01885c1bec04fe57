//! An api exercise with a `pytest` section, against the real engine, on
//! `api/capstone-projects`: the learner's app under the scenarios and the
//! learner's tests under the exercise's own app and its bugs, in one
//! result; and learner tests that attack the app they test. They run as a
//! user of their own and reach the app over HTTP only: its code, memory,
//! environment (the JWT secret), database and processes are out of reach,
//! so they earn nothing they did not earn by testing.

use grader::result::{GradeResult, Status, TestStatus};

use crate::support::{self, reference};

const EXERCISE: &str = "api/capstone-projects";
const BUGS: [&str; 5] = [
    "wrong-password-accepted",
    "others-project-readable",
    "task-in-others-project",
    "offset-as-page-number",
    "unsigned-token-accepted",
];

async fn grade(app: &str, tests: &str) -> GradeResult {
    support::grade(EXERCISE, &[("app.py", app), ("test_api.py", tests)]).await
}

fn caught(result: &GradeResult) -> Vec<&str> {
    BUGS.iter()
        .copied()
        .filter(|name| {
            let id = format!("bugs::{name}");
            let row = result.tests.iter().find(|test| test.id == id);
            row.unwrap_or_else(|| panic!("no {id} in {result:#?}"))
                .status
                == TestStatus::Passed
        })
        .collect()
}

fn rows<'a>(result: &'a GradeResult, prefix: &str) -> Vec<&'a grader::result::TestResult> {
    result
        .tests
        .iter()
        .filter(|test| test.id.starts_with(prefix))
        .collect()
}

#[tokio::test]
async fn the_app_and_the_tests_are_graded_apart_in_one_result() {
    // The reference's tests with the starter's app: the tests catch every
    // bug, the app passes no scenario but its own errors stay its own.
    let starter_app =
        std::fs::read_to_string(support::exercise_dir(EXERCISE).join("starter/app.py")).unwrap();
    let result = grade(&starter_app, &reference(EXERCISE, "test_api.py")).await;
    assert_eq!(result.status, Status::Failed, "{result:#?}");
    assert_eq!(caught(&result), BUGS.to_vec(), "{result:#?}");
    let scenarios: Vec<_> = rows(&result, "visible.yaml::")
        .into_iter()
        .chain(rows(&result, "hidden.yaml::"))
        .collect();
    assert_eq!(scenarios.len(), 12);
    // /health and a 404 for everything else: `projects_need_a_valid_token`
    // wants 401s, which a 404 is not.
    assert!(
        scenarios.iter().all(|row| row.status != TestStatus::Passed),
        "{scenarios:#?}"
    );
    assert_eq!(result.score, 8.0);
    assert_eq!(result.max_score, 20.0);
    // The hints of the app's mistakes only: the tests missed nothing.
    assert!(
        result
            .hints
            .iter()
            .all(|hint| !hint.contains("Do your tests")),
        "{:?}",
        result.hints
    );
}

#[tokio::test]
async fn learner_tests_reach_the_app_over_http_and_nothing_else() {
    let tests = r#"
import os
import signal
import socket

import requests

BASE_URL = os.environ["BASE_URL"]
ME = os.getpid()


def pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) != ME]


def test_the_app_answers():
    assert requests.get(BASE_URL + "/health").status_code == 200


def test_its_code_is_nowhere_on_disk():
    found = []
    for top in ("/work", "/tmp", "/dev/shm", "/opt", "/var", "/run", "/root", "/home", "/srv", "/mnt", "/"):
        for root, dirs, files in os.walk(top):
            if root == "/" :
                dirs[:] = []
            if root.startswith(("/proc", "/sys", "/usr")):
                dirs[:] = []
                continue
            for name in files:
                path = os.path.join(root, name)
                if os.path.realpath(path) == os.path.realpath(__file__):
                    continue
                try:
                    with open(path, "rb") as f:
                        data = f.read(1 << 20)
                except OSError:
                    continue
                if b"def owned_project" in data or b"+++ b/app.py" in data:
                    found.append(path)
    assert found == []


def test_it_cannot_be_imported():
    try:
        import app  # noqa: F401
    except ImportError:
        return
    raise AssertionError("the app's module was importable")


def test_no_process_of_the_app_can_be_read_or_signalled():
    apps = []
    for pid in pids():
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                # The app runs in its launcher: `grader_launch.py N --held`.
                if b"--held" in f.read():
                    apps.append(pid)
        except OSError:
            pass
    assert apps, "the app's process was not found"
    for pid in apps:
        assert os.stat("/proc/%d" % pid).st_uid != os.getuid()
        for what in ("environ", "mem", "maps"):
            try:
                with open("/proc/%d/%s" % (pid, what), "rb") as f:
                    data = f.read(4096)
            except OSError:
                continue
            assert what == "maps" and not data, what
        try:
            os.kill(pid, signal.SIGSTOP)
        except PermissionError:
            continue
        raise AssertionError("the app could be stopped")


def test_no_secret_in_reach():
    for pid in pids():
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                assert b"JWT_SECRET" not in f.read()
        except OSError:
            pass
    assert "JWT_SECRET" not in os.environ
    assert "DATABASE_URL" not in os.environ


def test_the_database_is_out_of_reach():
    for family, address in ((socket.AF_INET, ("127.0.0.1", 5432)), (socket.AF_INET, ("127.0.0.1", 6379))):
        with socket.socket(family) as sock:
            assert sock.connect_ex(address) != 0
    try:
        os.listdir("/work/.services")
    except PermissionError:
        pass
    else:
        raise AssertionError("the services' folder could be listed")
    with socket.socket(socket.AF_UNIX) as sock:
        assert sock.connect_ex("/work/.services/.s.PGSQL.5432") != 0


def test_nothing_can_be_planted_where_the_app_imports_from():
    for path in ("/app.py", "/uvicorn.py", "/usr/lib/python3/dist-packages/app.py"):
        try:
            open(path, "w").close()
        except OSError:
            continue
        raise AssertionError("wrote " + path)
"#;
    let result = grade(&reference(EXERCISE, "app.py"), tests).await;
    assert!(result.error.is_none(), "{result:#?}");
    let own = rows(&result, "test_api.py::");
    assert_eq!(own.len(), 7, "{result:#?}");
    for row in own {
        assert_eq!(row.status, TestStatus::Passed, "{row:#?}");
    }
    assert_eq!(caught(&result), Vec::<&str>::new(), "{result:#?}");
    // The reference app passes every scenario: 12 points, none for tests
    // that tell no bug apart.
    assert_eq!(result.score, 12.0, "{result:#?}");
}

#[tokio::test]
async fn every_test_starts_from_an_empty_database() {
    // Both register `alice`, and the ids start from 1 in each: without a
    // reset the second (and each repeat) would get a 409.
    let tests = r#"
import os

import requests

BASE_URL = os.environ["BASE_URL"]


def register():
    answer = requests.post(BASE_URL + "/register", json={"username": "alice", "password": "long enough"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["id"] == 1


def test_one():
    register()


def test_two():
    register()
"#;
    let result = grade(&reference(EXERCISE, "app.py"), tests).await;
    assert!(result.error.is_none(), "{result:#?}");
    for row in rows(&result, "test_api.py::") {
        assert_eq!(row.status, TestStatus::Passed, "{row:#?}");
    }
}
