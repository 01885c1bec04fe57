//! A suite written for bare pytest gets bare pytest's verdict
//! (`tests/fixtures/one-process/`): standard-library values cross as
//! values, test doubles keep their protocols, patches reach the learner's
//! code, skips are skips. Each test is a cause found by grading the
//! Exercism Python track beside bare pytest (issue 25); the hostile ones
//! check that what now crosses cannot be turned against the tests.

use grader::result::TestStatus;
use grader::{Exercise, GradeResult, Status, Submission};

use crate::support::{grader, root};

async fn grade(source: &str) -> GradeResult {
    let exercise =
        Exercise::load(&root().join("crates/grader/tests/fixtures/one-process")).unwrap();
    let submission = Submission {
        files: [("ledger.py".to_owned(), source.as_bytes().to_vec())]
            .into_iter()
            .collect(),
    };
    let result = grader().await.grade(&exercise, &submission).await;
    if let Some(error) = &result.error {
        panic!("the grading failed: {error:?} — are the runner images built?");
    }
    result
}

fn reference() -> String {
    std::fs::read_to_string(
        root().join("crates/grader/tests/fixtures/one-process/reference/ledger.py"),
    )
    .unwrap()
}

fn status_of<'a>(result: &'a GradeResult, name: &str) -> &'a grader::result::TestResult {
    result
        .tests
        .iter()
        .find(|test| test.id.ends_with(name))
        .unwrap_or_else(|| panic!("no test {name} in {result:#?}"))
}

/// Regression: dates, decimals, named tuples… came back as proxies that
/// equal nothing of the test's; a mocked `open` and a test double had no
/// `with` protocol; a double's `__exit__` and `__init__` were refused to
/// the learner's code; a patched builtin stayed in the test process; a
/// double that looks at its callers saw none; skipped tests cost points.
#[tokio::test]
async fn the_reference_gets_bare_pytests_verdict() {
    let result = grade(&reference()).await;
    let not_passed: Vec<String> = result
        .tests
        .iter()
        .filter(|test| test.status != TestStatus::Passed)
        .map(|test| format!("{} {:?}: {:?}", test.id, test.status, test.message))
        .collect();
    assert_eq!(result.status, Status::Passed, "{not_passed:#?}");
    // Bare pytest: 11 passed, 2 skipped, 1 xfailed.
    assert_eq!(result.tests.len(), 14, "{not_passed:#?}");
    assert_eq!(not_passed.len(), 3, "{not_passed:#?}");
    for skipped in [
        "::test_skipped",
        "::test_expected_to_fail",
        "::test_skipped_in_a_class",
    ] {
        let test = status_of(&result, skipped);
        assert_eq!(test.status, TestStatus::Skipped, "{test:?}");
        assert_eq!((test.score, test.max_score), (0.0, 0.0), "{test:?}");
    }
    assert_eq!((result.score, result.max_score), (11.0, 11.0));
}

/// A value that cannot cross (nested past the wire's depth) used to reach
/// the test as a `ValueError`, which `pytest.raises(ValueError)` accepts:
/// a wrong answer passed the test of a refused input.
#[tokio::test]
async fn a_value_that_cannot_cross_is_no_exception_a_test_expects() {
    let source = reference().replace(
        "def total(amounts):\n",
        "def total(amounts):\n    deep = []\n    for _ in range(300):\n        deep = [deep]\n    return deep\n\n\ndef _total(amounts):\n",
    );
    let result = grade(&source).await;
    let test = status_of(&result, "::test_a_negative_amount_is_refused");
    assert_eq!(test.status, TestStatus::Failed, "{test:?}");
    let message = test.message.as_deref().unwrap_or_default();
    assert!(message.contains("CannotCross"), "{message}");
    assert!(message.contains("could not be sent"), "{message}");
}

/// A subclass of a value type is the learner's object, not a value: its
/// `__eq__` that agrees with everything is never asked about the test's
/// values.
#[tokio::test]
async fn a_date_subclass_that_equals_everything_equals_nothing() {
    let source = reference().replace(
        "def due_date(start, days):\n    return start + datetime.timedelta(days=days)\n",
        "class _Agreeable(datetime.date):\n    def __eq__(self, other):\n        return True\n\n    __hash__ = datetime.date.__hash__\n\n\ndef due_date(start, days):\n    return _Agreeable(1999, 1, 1)\n",
    );
    let result = grade(&source).await;
    for name in [
        "::test_a_date_passed_in_and_returned_is_a_date",
        "::LedgerTest::test_a_timedelta_from_the_code",
    ] {
        let test = status_of(&result, name);
        assert_eq!(test.status, TestStatus::Failed, "{test:?}");
    }
}

/// The special methods a learner may call on a test's object are a short
/// list: nothing reaches the test's globals, class or code through them.
#[tokio::test]
async fn a_test_doubles_special_methods_do_not_reach_the_tests_globals() {
    for reach in [
        "self._connection.__globals__",
        "self._connection.send.__func__",
        "self._connection.send.__self__",
        "self._connection.send.__globals__",
        "self._connection.__dict__",
        "self._connection.__code__",
    ] {
        let source = reference().replace(
            "    def send(self, data):\n        return self._connection.send(data)\n",
            &format!("    def send(self, data):\n        {reach}\n        return 3\n"),
        );
        let result = grade(&source).await;
        let test = status_of(
            &result,
            "::test_the_code_calls_a_test_doubles_special_method",
        );
        assert_eq!(test.status, TestStatus::Failed, "{reach}: {test:?}");
        let message = test.message.as_deref().unwrap_or_default();
        assert!(
            message.contains("only public attributes"),
            "{reach}: {message}"
        );
    }
}

/// A value whose rebuild would be costly — a fraction of 5,000-digit
/// numbers — does not cross: the boundary refuses it at once (Python's
/// own cap on turning long integers into text), and the test fails with
/// the boundary's error instead of waiting on it.
#[tokio::test]
async fn a_value_too_costly_to_rebuild_does_not_cross() {
    let source = reference().replace(
        "def share(parts):\n    return fractions.Fraction(1, parts)\n",
        "def share(parts):\n    return fractions.Fraction(10**5000 + 1, 3)\n",
    );
    let result = grade(&source).await;
    let test = status_of(&result, "::test_decimals_and_fractions_are_numbers");
    assert_eq!(test.status, TestStatus::Failed, "{test:?}");
    let message = test.message.as_deref().unwrap_or_default();
    assert!(message.contains("CannotCross"), "{message}");
}
