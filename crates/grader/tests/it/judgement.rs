//! What the kinds make of a job's outcome, without the engine: a
//! `FakeRunner` stands in for the harness and answers each job with the
//! report a test chooses, signed (or not) with the key of the job's own
//! manifest. The real sandbox's part is proven elsewhere; these pin the
//! judgement: which lines count, what a gap or a limit means, when a bug
//! counts as caught.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use grader::channel::Key;
use grader::result::{ErrorKind, TestStatus};
use grader::{Exercise, Grader, Images, Status, Submission};
use grader_sandbox::{Archive, Ending, Job, Outcome};
use grader_testkit::FakeRunner;
use grader_testkit::fake::{manifest, outcome};
use serde_json::json;

use crate::support::root;

fn exercise(id: &str) -> Exercise {
    Exercise::load(&root().join("exercises").join(id)).unwrap()
}

fn grader(
    harness: impl Fn(&Job, &Archive) -> Outcome + Send + Sync + 'static,
) -> Grader<FakeRunner> {
    Grader::new(
        FakeRunner::new(harness),
        Images::new(root().join("runner-images")),
    )
}

/// The job's key, from its manifest.
fn key_of(archive: &Archive) -> Key {
    Key::from_manifest(manifest(archive)["key"].as_str().unwrap())
}

/// `events` as report lines signed with `key`, numbered from 0.
fn signed(key: &Key, events: &[serde_json::Value]) -> String {
    events
        .iter()
        .enumerate()
        .map(|(seq, event)| key.sign(seq as u64, &event.to_string()) + "\n")
        .collect()
}

fn collected(ids: &[&str]) -> serde_json::Value {
    let tests: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "name": id.split("::").nth(1).unwrap(), "line": 1}))
        .collect();
    json!({"event": "collected", "tests": tests})
}

fn result(id: &str, outcome: &str) -> serde_json::Value {
    json!({"event": "result", "id": id, "outcome": outcome, "message": "",
           "output": "", "output_truncated": false, "duration": 0.01})
}

const ONE: &str = "test_fizzbuzz.py::test_first_five";
const TWO: &str = "test_fizzbuzz.py::test_length_matches_n";

fn submission(name: &str, text: &str) -> Submission {
    Submission {
        files: [(name.to_owned(), text.as_bytes().to_vec())].into(),
    }
}

fn fizzbuzz() -> Submission {
    submission("fizzbuzz.py", "def fizzbuzz(n):\n    return []\n")
}

#[tokio::test]
async fn only_lines_signed_with_the_jobs_key_count() {
    let grader = grader(|_, archive| {
        let key = key_of(archive);
        let mut stdout = signed(
            &key,
            &[
                collected(&[ONE, TWO]),
                result(ONE, "failed"),
                result(TWO, "failed"),
                json!({"event": "done", "exit_code": 1}),
            ],
        );
        // A line the learner printed, dressed as a report line with a
        // key of its own: it claims both tests passed.
        stdout.push_str(&signed(&Key::new(), &[result(ONE, "passed")]));
        stdout.push_str(&format!(
            "@@grader:9:{} {}\n",
            "0".repeat(32),
            result(TWO, "passed")
        ));
        outcome(Ending::Exited { code: 1 }, &stdout, "")
    });
    let graded = grader
        .grade(&exercise("python/fizzbuzz"), &fizzbuzz())
        .await;
    let status = |id: &str| {
        graded
            .tests
            .iter()
            .find(|test| test.id == id)
            .unwrap()
            .status
    };
    assert_eq!(status(ONE), TestStatus::Failed, "{graded:#?}");
    assert_eq!(status(TWO), TestStatus::Failed, "{graded:#?}");
    assert_eq!(graded.score, 0.0);
}

#[tokio::test]
async fn a_gap_in_the_report_is_the_learners_doing_never_a_free_retry() {
    let grader = grader(|_, archive| {
        let key = key_of(archive);
        let events = [
            collected(&[ONE, TWO]),
            result(ONE, "passed"),
            result(TWO, "failed"),
            json!({"event": "done", "exit_code": 1}),
        ];
        // Line 2 (TWO's failure) taken out of the pipe.
        let lines: String = events
            .iter()
            .enumerate()
            .filter(|(seq, _)| *seq != 2)
            .map(|(seq, event)| key.sign(seq as u64, &event.to_string()) + "\n")
            .collect();
        outcome(Ending::Exited { code: 1 }, &lines, "")
    });
    let graded = grader
        .grade(&exercise("python/fizzbuzz"), &fizzbuzz())
        .await;
    let error = graded.error.as_ref().expect("a cut report is an error");
    assert_ne!(error.kind, ErrorKind::Infra, "{graded:#?}");
    assert!(error.learner_fault, "{graded:#?}");
    // What was taken out earns nothing; what was signed before stands.
    let status = |id: &str| {
        graded
            .tests
            .iter()
            .find(|test| test.id == id)
            .unwrap()
            .status
    };
    assert_eq!(status(ONE), TestStatus::Passed, "{graded:#?}");
    assert_eq!(status(TWO), TestStatus::Error, "{graded:#?}");
    assert!(graded.score < graded.max_score, "{graded:#?}");
}

#[tokio::test]
async fn a_limit_is_named_and_the_learners() {
    for (ending, kind) in [
        (Ending::OutOfMemory, ErrorKind::Memory),
        (Ending::TimedOut, ErrorKind::Timeout),
        (Ending::OutputLimit, ErrorKind::OutputLimit),
    ] {
        let grader = grader(move |_, archive| {
            let key = key_of(archive);
            let stdout = signed(&key, &[collected(&[ONE, TWO]), result(ONE, "passed")]);
            outcome(ending, &stdout, "")
        });
        let graded = grader
            .grade(&exercise("python/fizzbuzz"), &fizzbuzz())
            .await;
        let error = graded.error.as_ref().expect("a limit is an error");
        assert_eq!(error.kind, kind, "{graded:#?}");
        assert!(error.learner_fault);
        assert_eq!(graded.status, Status::Error);
    }
}

/// The pytest kind's stand-in: the learner's tests `A` and `B` pass on
/// the correct implementation; on a bug, `A` fails. `unsteady` makes the
/// second run on correct code fail `A` too.
fn pytest_harness(unsteady: bool) -> impl Fn(&Job, &Archive) -> Outcome + Send + Sync + 'static {
    let correct =
        std::fs::read(root().join("exercises/pytest/test-slugify/implementation/slugify.py"))
            .unwrap();
    let correct_runs = Arc::new(AtomicUsize::new(0));
    move |_, archive| {
        let key = key_of(archive);
        let is_correct = archive.file("slugify.py") == Some(correct.as_slice());
        let runs = if is_correct {
            correct_runs.fetch_add(1, Ordering::SeqCst) + 1
        } else {
            0
        };
        let a_passes = is_correct && !(unsteady && runs == 2);
        let stdout = signed(
            &key,
            &[
                collected(&["test_slugify.py::test_a", "test_slugify.py::test_b"]),
                result(
                    "test_slugify.py::test_a",
                    if a_passes { "passed" } else { "failed" },
                ),
                result("test_slugify.py::test_b", "passed"),
                json!({"event": "done", "exit_code": if a_passes { 0 } else { 1 }}),
            ],
        );
        outcome(
            Ending::Exited {
                code: i64::from(!a_passes),
            },
            &stdout,
            "",
        )
    }
}

fn learner_tests() -> Submission {
    submission("test_slugify.py", "def test_a():\n    pass\n")
}

#[tokio::test]
async fn a_bug_whose_run_fails_a_test_that_passed_on_correct_code_is_caught() {
    let grader = grader(pytest_harness(false));
    let exercise = exercise("pytest/test-slugify");
    let graded = grader.grade(&exercise, &learner_tests()).await;
    let bugs: Vec<_> = graded
        .tests
        .iter()
        .filter(|test| test.id.starts_with("bugs::"))
        .collect();
    assert_eq!(
        bugs.len(),
        exercise.spec.pytest.as_ref().unwrap().bugs.len()
    );
    assert!(
        bugs.iter().all(|bug| bug.status == TestStatus::Passed),
        "{graded:#?}"
    );
    assert!(
        bugs[0]
            .message
            .as_deref()
            .unwrap()
            .contains("by test_slugify.py::test_a"),
        "{graded:#?}"
    );
    assert_eq!(graded.status, Status::Passed, "{graded:#?}");
    // One run on correct code alone, then the bugs' with more beside them.
    assert!(grader_jobs(&grader) > bugs.len() + 1);
}

#[tokio::test]
async fn a_test_that_fails_once_on_correct_code_catches_nothing() {
    let grader = grader(pytest_harness(true));
    let graded = grader
        .grade(&exercise("pytest/test-slugify"), &learner_tests())
        .await;
    let bugs: Vec<_> = graded
        .tests
        .iter()
        .filter(|test| test.id.starts_with("bugs::"))
        .collect();
    assert!(!bugs.is_empty());
    for bug in &bugs {
        assert_eq!(bug.status, TestStatus::Failed, "{graded:#?}");
        assert!(
            bug.message.as_deref().unwrap().contains("not counted"),
            "{graded:#?}"
        );
    }
    assert_eq!(graded.score, 0.0, "{graded:#?}");
}

fn grader_jobs(grader: &Grader<FakeRunner>) -> usize {
    grader.runner().jobs().len()
}

/// The sql kind's stand-in: every dataset on every engine, the
/// reference's rows `[[1], [2]]`, the submission's `theirs`.
fn sql_harness(theirs: serde_json::Value) -> impl Fn(&Job, &Archive) -> Outcome + Send + Sync {
    move |_, archive| {
        let key = key_of(archive);
        let mut events = Vec::new();
        for engine in ["sqlite", "postgres"] {
            events.push(json!({"event": "engine", "engine": engine, "ready_ms": 1}));
            for dataset in ["visible.sql", "hidden.sql", "empty.sql"] {
                for (who, rows) in [
                    ("reference", json!([[{"int": 1}], [{"int": 2}]])),
                    ("submission", theirs.clone()),
                ] {
                    events.push(json!({"event": "outcome", "engine": engine, "dataset": dataset,
                        "check": null, "who": who, "rows": {"columns": ["id"], "rows": rows}, "ms": 1}));
                }
            }
        }
        events.push(json!({"event": "done"}));
        outcome(Ending::Exited { code: 0 }, &signed(&key, &events), "")
    }
}

#[tokio::test]
async fn a_query_passes_on_the_references_rows_in_order_and_fails_on_others() {
    let exercise = exercise("sql/cheap-products");
    let query = submission("query.sql", "SELECT id FROM products;\n");
    let same = grader(sql_harness(json!([[{"int": 1}], [{"int": 2}]])));
    let graded = same.grade(&exercise, &query).await;
    assert_eq!(graded.status, Status::Passed, "{graded:#?}");
    assert_eq!(
        graded.tests.len(),
        6,
        "three datasets on two engines: {graded:#?}"
    );
    // `compare.ordered`: the same rows in another order are wrong.
    let swapped = grader(sql_harness(json!([[{"int": 2}], [{"int": 1}]])));
    let graded = swapped.grade(&exercise, &query).await;
    assert_eq!(graded.status, Status::Failed, "{graded:#?}");
    assert!(
        graded
            .tests
            .iter()
            .all(|test| test.status == TestStatus::Failed),
        "{graded:#?}"
    );
}

/// Regression (found in review): the api kind read its case files again at
/// every grading with a plain read, which follows a link put there after
/// the exercise loaded. It reads them as at load time: never through a
/// link.
#[tokio::test]
async fn a_case_file_replaced_by_a_link_after_loading_is_not_read_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("api/notes-crud");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(root().join("exercises/api/notes-crud"))
        .arg(&copy)
        .status()
        .unwrap();
    assert!(copied.success());
    let exercise = Exercise::load(&copy).unwrap();
    let visible = copy.join("tests/visible.yaml");
    std::fs::remove_file(&visible).unwrap();
    std::os::unix::fs::symlink(
        root().join("exercises/api/notes-crud/tests/visible.yaml"),
        &visible,
    )
    .unwrap();
    let grader = grader(|_, _| outcome(Ending::Exited { code: 0 }, "", ""));
    let reference = Submission::from_paths(&exercise, &[exercise.dir.join("reference")]).unwrap();
    let graded = grader.grade(&exercise, &reference).await;
    let error = graded.error.as_ref().expect("refused");
    assert_eq!(error.kind, ErrorKind::Infra, "{graded:#?}");
    assert!(error.message.contains("tests/visible.yaml"), "{graded:#?}");
    assert!(grader.runner().jobs().is_empty(), "nothing ran");
}
