//! The python kind's proxy, feature by feature: `tests/fixtures/proxy/`
//! holds an exercise whose tests use every way a test reaches the learner's
//! code (ARCHITECTURE.md, "python kind"), graded against the real engine.

use grader::result::TestStatus;
use grader::{Exercise, GradeResult, Status, Submission};

use crate::support::{grader, root};

async fn grade_fixture(source: &str) -> GradeResult {
    let exercise = Exercise::load(&root().join("crates/grader/tests/fixtures/proxy")).unwrap();
    let submission = Submission {
        files: [("features.py".to_owned(), source.as_bytes().to_vec())]
            .into_iter()
            .collect(),
    };
    grader().await.grade(&exercise, &submission).await
}

fn reference() -> String {
    std::fs::read_to_string(root().join("crates/grader/tests/fixtures/proxy/reference/features.py"))
        .unwrap()
}

#[tokio::test]
async fn every_feature_of_the_proxy_works_on_the_reference() {
    let result = grade_fixture(&reference()).await;
    let failing: Vec<_> = result
        .tests
        .iter()
        .filter(|test| test.status != TestStatus::Passed)
        .map(|test| {
            format!(
                "{}: {}",
                test.id,
                test.message.as_deref().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        result.status,
        Status::Passed,
        "{failing:#?}\n{:?}",
        result.error
    );
    assert_eq!(result.tests.len(), 20);
}

#[tokio::test]
async fn the_starter_fails_them() {
    let result = grade_fixture("LIMIT = 0\n").await;
    assert_eq!(result.score, 0.0, "{result:#?}");
}

#[tokio::test]
async fn an_exception_in_learner_code_shows_where_it_was_raised() {
    let source = reference().replace(
        "def countdown(n):\n",
        "def countdown(n):\n    raise RuntimeError('broken on purpose')\n",
    );
    let result = grade_fixture(&source).await;
    let test = result
        .tests
        .iter()
        .find(|test| test.id == "test_features.py::test_generators_and_iteration")
        .unwrap();
    assert_eq!(test.status, TestStatus::Failed);
    let message = test.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("RuntimeError: broken on purpose"),
        "{message}"
    );
    assert!(
        message.contains("Raised in your code:") && message.contains("features.py\", line"),
        "{message}"
    );
    assert!(!message.contains("/work/"), "a container path in {message}");
}

/// Regression: a test's own object that raised while serving the
/// learner's call showed the harness's frames that served it.
#[tokio::test]
async fn a_tests_object_that_raises_in_a_call_shows_the_tests_frames_not_the_harness() {
    let source = reference().replace(
        "def apply(function, values):\n",
        "def apply(function, values):\n    function(None)\n",
    );
    let result = grade_fixture(&source).await;
    let test = result
        .tests
        .iter()
        .find(|test| test.id == "test_features.py::test_callbacks_run_in_the_test_process")
        .unwrap();
    assert_eq!(test.status, TestStatus::Failed);
    let message = test.message.as_deref().unwrap_or_default();
    assert!(message.contains("TypeError"), "{message}");
    assert!(message.contains("test_features.py:97"), "{message}");
    assert!(!message.contains("grader_remote"), "{message}");
}

#[tokio::test]
async fn a_learner_process_that_dies_mid_test_fails_that_test_and_the_next_ones_run() {
    let source = reference().replace(
        "def total(sequence):\n",
        "def total(sequence):\n    import os\n    os._exit(0)\n",
    );
    let result = grade_fixture(&source).await;
    let dead = result
        .tests
        .iter()
        .find(|test| test.id == "test_features.py::test_objects_a_test_passes_in_stay_in_the_test")
        .unwrap();
    assert_eq!(dead.status, TestStatus::Failed, "{dead:?}");
    assert!(
        dead.message
            .as_deref()
            .unwrap_or_default()
            .contains("exited with code 0"),
        "{dead:?}"
    );
    let passed = result
        .tests
        .iter()
        .filter(|test| test.status == TestStatus::Passed)
        .count();
    assert_eq!(passed, 19, "{result:#?}");
}

#[tokio::test]
async fn code_that_fails_at_import_shows_its_own_traceback_in_a_visible_files_error() {
    let result = crate::support::grade(
        "python/fizzbuzz",
        &[(
            "fizzbuzz.py",
            "def helper():\n    return 1 / 0\n\nhelper()\n",
        )],
    )
    .await;
    let error = result.error.expect("a submission that cannot load");
    assert_eq!(error.kind, grader::result::ErrorKind::Crashed);
    assert!(
        error.message.contains("Raised in your code:")
            && error.message.contains("fizzbuzz.py\", line 4")
            && error.message.contains("ZeroDivisionError"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_conftest_that_cannot_import_the_submission_is_the_submissions_error_not_infra() {
    let result = grade_fixture("LIMIT = 1\n").await;
    let error = result.error.expect("a submission that cannot load");
    assert_eq!(
        error.kind,
        grader::result::ErrorKind::Crashed,
        "{}",
        error.message
    );
    assert!(error.message.contains("conftest.py"), "{}", error.message);
}

/// Regression: a submission that could not load showed 0/0 points and no
/// test at all; a learner should read 0/17 with every test named.
#[tokio::test]
async fn a_submission_that_cannot_load_lists_every_test_as_not_run() {
    for source in [
        "def fizzbuzz(n):\n    return [\n",
        "raise ValueError('at import')\n",
    ] {
        let result = crate::support::grade("python/fizzbuzz", &[("fizzbuzz.py", source)]).await;
        assert_eq!(result.status, Status::Error, "{result:#?}");
        assert_eq!((result.score, result.max_score), (0.0, 17.0), "{source}");
        assert_eq!(result.tests.len(), 16, "{source}");
        assert!(
            result
                .tests
                .iter()
                .all(|test| test.status == TestStatus::Error
                    && test.message.as_deref()
                        == Some("not run: the tests could not load your code")),
            "{result:#?}"
        );
        assert!(result.tests[0].id.starts_with("test_fizzbuzz.py::"));
        assert!(result.tests[15].id.starts_with("test_fizzbuzz_hidden.py::"));
    }
}

#[tokio::test]
async fn tests_are_named_for_learners_and_keep_pytests_ids() {
    let result = grade_fixture(&reference()).await;
    let names: Vec<(&str, &str)> = result
        .tests
        .iter()
        .map(|test| (test.id.as_str(), test.name.as_str()))
        .filter(|(id, _)| id.contains("TestNames") || id.ends_with("::test_module_constant"))
        .collect();
    assert_eq!(
        names,
        [
            ("test_features.py::test_module_constant", "module constant"),
            (
                "test_features.py::TestNames::test_a_method_in_a_class",
                "Names > An account in a class's test keeps its balance."
            ),
            (
                "test_features.py::TestNames::test_withdraw_some[one]",
                "Names > withdraw some [one]"
            ),
            (
                "test_features.py::TestNames::test_withdraw_some[two]",
                "Names > withdraw some [two]"
            ),
        ]
    );
}
