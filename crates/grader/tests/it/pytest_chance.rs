//! The pytest kind's verdict is stable against chance and surroundings
//! (issue 24): a learner test catches a bug only if it passed every time it
//! ran on the correct implementation — five times in each of four runs
//! (for five bugs), three of them side by side with the bugs' runs — so a
//! test that flips a
//! coin, or senses whether other runs are busy beside it, earns nothing;
//! and only the learner's own files make learner rows.

use grader::result::{GradeResult, TestStatus};

use crate::support;

const SLUGIFY: (&str, &str) = ("pytest/test-slugify", "test_slugify.py");
const BANK_ACCOUNT: (&str, &str) = ("pytest/test-bank-account", "test_account.py");

async fn grade((exercise, file): (&str, &str), tests: &str) -> GradeResult {
    support::grade(exercise, &[(file, tests)]).await
}

/// The same, forked in learners' containers, as `grader serve` runs it by
/// default; no container of theirs is left.
async fn grade_forked((exercise, file): (&str, &str), tests: &str) -> GradeResult {
    let (result, left) =
        support::grade_forked(&support::exercise_dir(exercise), &[(file, tests)]).await;
    assert!(left.is_empty(), "containers left behind: {left:?}");
    result
}

/// No bug caught, no point earned, and not the grader's failure.
fn assert_nothing_earned(result: &GradeResult, what: &str) {
    assert!(
        result
            .error
            .as_ref()
            .is_none_or(|error| error.learner_fault),
        "{what}: {result:#?}"
    );
    let caught: Vec<&str> = result
        .tests
        .iter()
        .filter(|test| test.id.starts_with("bugs::") && test.status == TestStatus::Passed)
        .map(|test| test.id.as_str())
        .collect();
    assert_eq!(caught, Vec::<&str>::new(), "{what}: {result:#?}");
    assert_eq!(result.score, 0.0, "{what}");
}

/// A coin thrown with the operating system's randomness (which no seed
/// fixes), on two exercises, ten submissions each: the catching tests were
/// taken from one correct run, and each bug's run threw again, so
/// resubmitting until lucky earned full marks.
#[tokio::test]
async fn a_coin_flip_test_earns_nothing_over_ten_submissions() {
    for (exercise, module, call) in [
        (SLUGIFY, "slugify", "slugify.slugify('a b')"),
        (BANK_ACCOUNT, "account", "dir(account)"),
    ] {
        let tests = format!(
            "import os\nimport {module}\n\n\ndef test_coin():\n    {call}\n    assert os.urandom(1)[0] % 2 == 0\n"
        );
        for attempt in 1..=10 {
            let result = grade(exercise, &tests).await;
            assert_nothing_earned(&result, &format!("{}, attempt {attempt}", exercise.0));
        }
    }
}

/// A coin thrown with `random` lands the same way in every run (each test
/// starts from the same pseudo-random state), so it catches nothing either,
/// and never counts as flaky.
#[tokio::test]
async fn a_coin_from_random_lands_the_same_way_everywhere() {
    let tests = "import random\nfrom slugify import slugify\n\n\ndef test_coin():\n    slugify('x')\n    assert random.random() < 0.5\n";
    let result = grade(SLUGIFY, tests).await;
    assert_nothing_earned(&result, "random");
    let coin = result
        .tests
        .iter()
        .find(|test| test.id == "test_slugify.py::test_coin")
        .unwrap();
    let message = coin.message.as_deref().unwrap_or_default();
    assert!(!message.contains("flaky"), "{coin:#?}");
}

/// Tests that tell whether other runs are busy beside them: the host-wide
/// fork counter of `/proc/stat` and the load average. The first run on
/// correct code ran alone and the bugs' three at a time, so such a test
/// passed on correct code and failed on the bugs.
#[tokio::test]
async fn a_test_that_senses_sibling_runs_earns_nothing() {
    let tests = r#"
import time
from slugify import slugify


def forks():
    with open("/proc/stat") as stat:
        for line in stat:
            if line.startswith("processes "):
                return int(line.split()[1])
    return 0


def test_alone():
    slugify("a")
    before = forks()
    time.sleep(0.3)
    assert forks() - before < 5


def test_quiet():
    with open("/proc/loadavg") as load:
        running = int(load.read().split()[3].split("/")[0])
    assert running <= 2
"#;
    // In containers of their own, then forked in learners' containers.
    for result in [
        grade(SLUGIFY, tests).await,
        grade_forked(SLUGIFY, tests).await,
    ] {
        assert_nothing_earned(&result, "siblings");
    }
}

/// A learner report that names tests the grader's way (`bugs::<name>`),
/// from the learner's own pytest: rows of the grader's are the grader's.
#[tokio::test]
async fn a_forged_bugs_row_earns_nothing() {
    let tests = r#"
import pytest
from slugify import slugify


def test_real():
    assert slugify("A b") == "a-b"


@pytest.hookimpl(hookwrapper=True)
def pytest_collection_modifyitems(session, config, items):
    yield
    for item in items:
        item._nodeid = "bugs::keeps-case"
"#;
    // In containers of their own, then forked in learners' containers.
    for result in [
        grade(SLUGIFY, tests).await,
        grade_forked(SLUGIFY, tests).await,
    ] {
        let learner_rows: Vec<&str> = result
            .tests
            .iter()
            .filter(|test| test.max_score == 0.0)
            .map(|test| test.id.as_str())
            .collect();
        assert!(
            learner_rows
                .iter()
                .all(|id| id.starts_with("test_slugify.py::")),
            "{learner_rows:?}"
        );
        let bug_rows = result
            .tests
            .iter()
            .filter(|test| test.id == "bugs::keeps-case")
            .count();
        assert_eq!(bug_rows, 1, "{result:#?}");
    }
}

/// An honest suite still catches what it catches: four runs on correct
/// code, five times each, change nothing for a deterministic test.
#[tokio::test]
async fn an_honest_suite_catches_every_bug_as_before() {
    let reference = support::reference("pytest/test-slugify", "test_slugify.py");
    let result = support::grade("pytest/test-slugify", &[("test_slugify.py", &reference)]).await;
    assert_eq!(result.score, result.max_score, "{result:#?}");
    assert!(result.error.is_none(), "{result:#?}");
}
