//! The Exercism export against its test-runner interface (results.json
//! v3), point by point, on `tests/fixtures/exercism/`: an exercise whose
//! tests are written the ways Exercism's Python track writes them
//! (unittest classes with `subTest` loops, `@pytest.mark.task`), with
//! pytest-subtests, in three files, graded on the real engine.

use grader::{Exercise, GradeResult, Status, Submission, View};
use serde_json::Value;

use crate::support::{grader, root};

fn fixture() -> std::path::PathBuf {
    root().join("crates/grader/tests/fixtures/exercism")
}

fn reference() -> String {
    std::fs::read_to_string(fixture().join("reference/lasagna.py")).unwrap()
}

fn mutant() -> String {
    std::fs::read_to_string(fixture().join("mutants/forgets-the-layers/lasagna.py")).unwrap()
}

async fn grade(source: &str) -> GradeResult {
    let exercise = Exercise::load(&fixture()).unwrap();
    let submission = Submission {
        files: [("lasagna.py".to_owned(), source.as_bytes().to_vec())]
            .into_iter()
            .collect(),
    };
    let result = grader().await.grade(&exercise, &submission).await;
    if let Some(error) = &result.error {
        assert!(
            error.learner_fault,
            "the grader itself failed: {} — are the runner images built?",
            error.message
        );
    }
    result
}

/// The export of `result` in `view`, parsed.
fn exercism(result: &GradeResult, view: View) -> Value {
    serde_json::from_str(&grader::export::exercism(&result.for_view(view))).unwrap()
}

fn tests(results: &Value) -> &Vec<Value> {
    results["tests"].as_array().unwrap()
}

fn test<'a>(results: &'a Value, name: &str) -> &'a Value {
    tests(results)
        .iter()
        .find(|test| test["name"] == name)
        .unwrap_or_else(|| panic!("no test named {name:?} in {results:#}"))
}

/// The interface: tests in the order of the test file; Exercism's Python
/// runner sorts them by the line they are defined on, across files.
/// Regression: unittest methods came in alphabetical order (pytest runs
/// them by name), and each file's tests after the previous file's.
#[tokio::test]
async fn tests_come_by_line_across_files_and_methods_in_definition_order() {
    let result = grade(&mutant()).await;
    let results = exercism(&result, View::Author);
    let names: Vec<&str> = tests(&results)
        .iter()
        .map(|test| test["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "a big lasagna",     // hidden, line 4
            "layers one by one", // pytest, line 9
            "layers one by one [layers, layers=1]",
            "layers one by one [layers, layers=4]",
            "LasagnaTest > Expected bake time is 40 minutes", // unittest, line 15
            "nothing left at forty minutes",                  // pytest, line 16
            "LasagnaTest > bake time remaining",              // unittest, line 20
            "LasagnaTest > bake time remaining [variation #1, expected=39, time=1]",
            "LasagnaTest > bake time remaining [variation #2, expected=38, time=2]",
            "LasagnaTest > bake time remaining [variation #3, expected=35, time=5]",
            "LasagnaTest > preparation time in minutes", // line 29
            "LasagnaTest > preparation time in minutes [layers=1]",
            "LasagnaTest > preparation time in minutes [layers=2]",
            "LasagnaTest > preparation time in minutes [layers=5]",
            "LasagnaTest > elapsed time in minutes", // line 36
        ]
    );
    // The result itself keeps the order of the exercise's files, each by
    // line.
    let ids: Vec<&str> = result
        .tests
        .iter()
        .filter(|test| test.parent.is_none())
        .map(|test| test.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "test_lasagna.py::LasagnaTest::test_expected_bake_time",
            "test_lasagna.py::LasagnaTest::test_bake_time_remaining",
            "test_lasagna.py::LasagnaTest::test_preparation_time_in_minutes",
            "test_lasagna.py::LasagnaTest::test_elapsed_time_in_minutes",
            "test_lasagna_pytest.py::test_layers_one_by_one",
            "test_lasagna_pytest.py::test_nothing_left_at_forty_minutes",
            "test_lasagna_hidden.py::test_a_big_lasagna",
        ]
    );
}

/// Regression: a `subTest` loop was one result that stopped at its first
/// failing case. Each case of unittest's `subTest` and of pytest-subtests
/// is a result of its own, passed or failed; its test fails when one does,
/// and alone carries the points.
#[tokio::test]
async fn each_case_of_a_subtest_is_a_result_of_its_own() {
    let result = grade(&mutant()).await;
    let results = exercism(&result, View::Author);
    assert_eq!(results["status"], "fail");
    let parent = test(&results, "LasagnaTest > preparation time in minutes");
    assert_eq!(parent["status"], "fail");
    assert_eq!(
        parent["message"],
        "2 of 3 cases failed: [layers=2], [layers=5]"
    );
    assert_eq!(
        test(
            &results,
            "LasagnaTest > preparation time in minutes [layers=1]"
        )["status"],
        "pass"
    );
    let case = test(
        &results,
        "LasagnaTest > preparation time in minutes [layers=5]",
    );
    assert_eq!(case["status"], "fail");
    assert!(
        case["message"]
            .as_str()
            .unwrap()
            .contains("AssertionError: 2 != 10"),
        "{case:#}"
    );
    let fixture_case = test(&results, "layers one by one [layers, layers=4]");
    assert_eq!(fixture_case["status"], "fail");
    assert_eq!(fixture_case["output"], "checking 4 layers\n");
    assert_eq!(
        test(&results, "layers one by one [layers, layers=1]")["status"],
        "pass"
    );

    // Points: the tests' own, the cases worth none.
    let case = result
        .tests
        .iter()
        .find(|test| {
            test.id
                .ends_with("test_preparation_time_in_minutes[layers=2]")
        })
        .unwrap();
    assert_eq!(
        case.parent.as_deref(),
        Some("test_lasagna.py::LasagnaTest::test_preparation_time_in_minutes")
    );
    assert_eq!((case.score, case.max_score), (0.0, 0.0));
    assert_eq!((result.score, result.max_score), (3.0, 7.0));

    // The reference passes every case; the mutant fails exactly the tests
    // it declares (cases are not tests a mutant names).
    let passing = grade(&reference()).await;
    assert_eq!(passing.status, Status::Passed, "{passing:#?}");
    assert_eq!(passing.tests.len(), 15);
    let check = grader().await.check(&fixture()).await;
    assert!(check.ok(), "{:#?}", check.findings);
}

/// The interface: output "must be limited to 500 chars", "truncating with
/// a message of 'Output was truncated. Please limit to 500 chars'".
#[tokio::test]
async fn output_over_500_characters_ends_with_the_interfaces_notice() {
    let chatty = reference().replace(
        "    return EXPECTED_BAKE_TIME - elapsed_bake_time",
        "    print('é' * 600)\n    return EXPECTED_BAKE_TIME - elapsed_bake_time",
    );
    let results = exercism(&grade(&chatty).await, View::Learner);
    let output = test(&results, "nothing left at forty minutes")["output"]
        .as_str()
        .unwrap();
    assert_eq!(
        output,
        format!(
            "{}\nOutput was truncated. Please limit to 500 chars",
            "é".repeat(500)
        )
    );
}

/// Regression: `test_code` was never filled. It is the test's body, as
/// the interface's example shows: no `def` line, no docstring, dedented,
/// comments kept; and never a hidden test's in the learner view.
#[tokio::test]
async fn test_code_is_the_body_of_the_test() {
    let result = grade(&mutant()).await;
    let learner = exercism(&result, View::Learner);
    assert_eq!(
        test(&learner, "LasagnaTest > Expected bake time is 40 minutes")["test_code"],
        "self.assertEqual(EXPECTED_BAKE_TIME, 40)"
    );
    assert_eq!(
        test(
            &learner,
            "LasagnaTest > preparation time in minutes [layers=2]"
        )["test_code"],
        "for layers in (1, 2, 5):\n    with self.subTest(layers=layers):\n        \
         # Two minutes a layer.\n        \
         self.assertEqual(preparation_time_in_minutes(layers), 2 * layers)"
    );
    assert_eq!(test(&learner, "a big lasagna").get("test_code"), None);
    let author = exercism(&result, View::Author);
    assert_eq!(
        test(&author, "a big lasagna")["test_code"],
        "assert elapsed_time_in_minutes(10, 40) == 60"
    );
}

/// Regression: an import error's top-level message was cut to its last
/// line. The whole useful message: where the tests import it, the
/// exception, what the learner's module lacks; every test listed as not
/// run, so the status is `error` (no test ran).
#[tokio::test]
async fn a_submission_that_cannot_load_gets_the_whole_import_error() {
    let without = reference().replace("def elapsed_time_in_minutes", "def elapsed_time");
    let result = grade(&without).await;
    let results = exercism(&result, View::Learner);
    assert_eq!(results["status"], "error");
    let message = results["message"].as_str().unwrap();
    for line in [
        "tests/test_lasagna.py:5: in <module>",
        "ImportError: cannot import name 'elapsed_time_in_minutes' from 'lasagna'",
        "AttributeError: module 'lasagna' has no attribute 'elapsed_time_in_minutes'",
    ] {
        assert!(message.contains(line), "{line:?} missing from {message}");
    }
    assert_eq!(tests(&results).len(), 7);
    for test in tests(&results) {
        assert_eq!(test["status"], "error", "{test:#}");
    }
}

/// The interface: paths relative to the solution, never the container's.
#[tokio::test]
async fn no_message_names_a_container_path() {
    let raising = reference().replace(
        "    return EXPECTED_BAKE_TIME - elapsed_bake_time",
        "    import os\n    raise ValueError(os.path.abspath(__file__))",
    );
    let syntax = reference().replace("def bake_time_remaining(", "def bake_time_remaining(:");
    let missing = reference().replace("def elapsed_time_in_minutes", "def elapsed_time");
    for source in [raising, syntax, missing] {
        let result = grade(&source).await;
        assert!(
            result.status != Status::Passed,
            "{source} should not pass: {result:#?}"
        );
        let text = grader::export::exercism(&result.for_view(View::Author));
        for path in ["/work", "/opt/grader", "/usr/lib", "/tmp/"] {
            assert!(!text.contains(path), "{path} in {text}");
        }
    }
}

/// The interface: `task_id` links a test to exactly one task. From the
/// test's `@pytest.mark.task(taskno=N)` (Exercism's form) or exercise.yaml;
/// a case has its test's; a test without a task has no `task_id`.
#[tokio::test]
async fn task_ids_come_from_markers_and_exercise_yaml() {
    let results = exercism(&grade(&reference()).await, View::Learner);
    let task = |name: &str| test(&results, name).get("task_id").cloned();
    assert_eq!(
        task("LasagnaTest > Expected bake time is 40 minutes"),
        Some(1.into())
    );
    assert_eq!(
        task("LasagnaTest > bake time remaining [variation #2, expected=38, time=2]"),
        Some(2.into())
    );
    assert_eq!(task("layers one by one [layers, layers=1]"), Some(3.into()));
    assert_eq!(task("a big lasagna"), Some(4.into()));
    assert_eq!(task("nothing left at forty minutes"), None);
    assert!(
        results["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|test| test["status"] == "pass")
    );
}
