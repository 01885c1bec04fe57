//! In a shared container (`grader check`), the harness's helper processes
//! are forks of a zygote that imported pytest and the harness once
//! (`runner-images/common/grader_fork.py`). The learner's code must find
//! its process as a fresh interpreter would have made it.

use std::time::Duration;

use grader::{Exercise, GradeResult, Grader, Images, Submission};
use grader_sandbox::{ForkPool, Runner, SharedRunner};
use serde_json::{Map, Value};

use crate::support::{exercise_dir, grader, grader_sandbox, root, scratch_copy};

/// What the learner's process says of itself, with the job's working
/// directory (`/work` in a container of its own, `/work/run-<n>` in a
/// shared one) written `<work>`.
const FACTS: &str = r#"
import atexit, ctypes, json, os, signal, sys

def fizzbuzz(n):
    return []

def facts():
    work = os.environ["GRADER_WORKDIR"]
    libc = ctypes.CDLL(None)
    found = {
        "fds": sorted(os.readlink("/proc/self/fd/%d" % fd).split(":")[0]
                      for fd in range(3) if os.path.exists("/proc/self/fd/%d" % fd)),
        "open_fds": len(os.listdir("/proc/self/fd")),
        "cwd": os.getcwd(),
        "env": sorted(os.environ.items()),
        "dumpable": libc.prctl(3, 0, 0, 0, 0),
        "name": open("/proc/self/comm").read().strip(),
        "session_leader": os.getsid(0) == os.getpid(),
        "argv0": os.path.basename(sys.argv[0]),
        "main": os.path.basename(sys.modules["__main__"].__file__),
        "path": sys.path,
        "isolated": sys.flags.isolated,
        "no_bytecode": sys.dont_write_bytecode,
        "stdout_write_through": sys.stdout.write_through,
        "exit_handlers": atexit._ncallbacks(),
        "sigint": str(signal.getsignal(signal.SIGINT)),
        "sigpipe": str(signal.getsignal(signal.SIGPIPE)),
        "pytest_imported": "pytest" in sys.modules,
    }
    return json.loads(json.dumps(found).replace(work, "<work>"))
"#;

const TEST: &str = r#"
import json
from fizzbuzz import facts

def test_facts():
    raise AssertionError("FACTS" + json.dumps(facts()) + "END")
"#;

/// The facts of the learner's process when `runner` grades.
async fn facts<R: Runner>(runner: R, exercise: &Exercise) -> Map<String, Value> {
    let grader = Grader::new(runner, Images::new(root().join("runner-images")));
    let submission = Submission {
        files: [("fizzbuzz.py".to_owned(), FACTS.as_bytes().to_vec())].into(),
    };
    let result = grader.grade(exercise, &submission).await;
    let test = result
        .tests
        .iter()
        .find(|test| test.id.ends_with("::test_facts"))
        .unwrap_or_else(|| panic!("no test_facts in {result:?}"));
    let message = test.message.as_deref().unwrap_or_default();
    let json = message
        .split_once("AssertionError: FACTS")
        .and_then(|(_, rest)| rest.split_once("END"))
        .unwrap_or_else(|| panic!("no facts in {message}"))
        .0;
    match serde_json::from_str(json).expect("facts are JSON") {
        Value::Object(map) => map,
        other => panic!("facts are not an object: {other}"),
    }
}

#[tokio::test]
async fn a_forked_learner_process_looks_like_a_fresh_one() {
    let (_temp, dir) = scratch_copy("python/fizzbuzz");
    std::fs::write(dir.join("tests/test_fizzbuzz.py"), TEST).unwrap();
    std::fs::write(
        dir.join("tests/test_fizzbuzz_hidden.py"),
        "def test_nothing():\n    pass\n",
    )
    .unwrap();
    let exercise = Exercise::load(&dir).unwrap();

    let mut fresh = facts(grader_sandbox().await, &exercise).await;
    let shared = SharedRunner::new(grader_sandbox().await);
    let mut forked = facts(shared.clone(), &exercise).await;
    shared.close().await;
    let learners = ForkPool::new(grader_sandbox().await, 1, Duration::from_secs(600));
    let mut learner_forked = facts(learners.clone(), &exercise).await;
    learners.close(Duration::from_secs(10)).await;

    // The one difference: a fork has the zygote's imports.
    assert_eq!(fresh.remove("pytest_imported"), Some(Value::Bool(false)));
    assert_eq!(forked.remove("pytest_imported"), Some(Value::Bool(true)));
    assert_eq!(
        learner_forked.remove("pytest_imported"),
        Some(Value::Bool(true))
    );
    assert_eq!(
        Value::Object(forked),
        Value::Object(fresh.clone()),
        "forked (left) and fresh (right)"
    );
    assert_eq!(
        Value::Object(learner_forked),
        Value::Object(fresh),
        "forked for a learner (left) and fresh (right)"
    );
}

/// Statuses and points of every test, and the result's own.
fn verdict(result: &GradeResult) -> String {
    let mut lines = vec![format!(
        "{:?} {}/{} {:?}",
        result.status, result.score, result.max_score, result.error
    )];
    for test in &result.tests {
        lines.push(format!("{} {:?} {}", test.id, test.status, test.score));
    }
    lines.join("\n")
}

/// A learner's grading forked in a learners' container ends as in a
/// container of its own, in every kind: the reference's full marks, a
/// known mistake's (or the starter's) failures, test by test; the
/// exercises of a kind share one container, job after job.
#[tokio::test]
async fn learners_forks_grade_every_kind_as_containers_of_their_own_do() {
    let pool = ForkPool::new(grader_sandbox().await, 1, Duration::from_secs(600));
    let forked = Grader::new(pool.clone(), Images::new(root().join("runner-images")));
    let own = grader().await;
    let cases = [
        ("python/fizzbuzz", "mutants/checks-three-first"),
        ("python/shopping-cart", "starter"),
        ("pytest/test-slugify", "starter"),
        ("sql/cheap-products", "starter"),
        ("api/notes-crud", "starter"),
        ("api/tasks-postgres", "mutants/tasks-in-memory"),
    ];
    for (id, wrong) in cases {
        let exercise = Exercise::load(&exercise_dir(id)).unwrap();
        for folder in ["reference", wrong] {
            let submission =
                Submission::from_paths(&exercise, &[exercise_dir(id).join(folder)]).unwrap();
            let (forked, own) = tokio::join!(
                forked.grade(&exercise, &submission),
                own.grade(&exercise, &submission)
            );
            assert_eq!(
                verdict(&forked),
                verdict(&own),
                "{id} {folder}: forked (left), a container of its own (right)"
            );
            if folder == "reference" {
                assert_eq!(forked.score, forked.max_score, "{id}: {forked:?}");
            } else {
                assert!(forked.score < forked.max_score, "{id} {folder}: {forked:?}");
            }
        }
    }
    pool.close(Duration::from_secs(20)).await;
}
