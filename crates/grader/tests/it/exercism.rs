//! The Exercism export as Exercism's own Python test runner writes it
//! (exercism/python-test-runner, rule by rule: `export/exercism.rs`), on
//! `tests/fixtures/exercism/`: an exercise whose tests are written the ways
//! Exercism's Python track writes them (unittest classes with `subTest`
//! loops, `@pytest.mark.task`), with pytest-subtests, in three files,
//! graded on the real engine. Measured against the runner's own golden
//! results: 16 of the 18 whose files are published give the same JSON; the
//! other two quote Python 3.13's own paths in an import error.

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

/// A version of the reference where variation #2 of `bake_time_remaining`
/// fails (one minute off at two minutes), printing what it computes.
fn one_variation_wrong(print: &str) -> String {
    reference().replace(
        "    return EXPECTED_BAKE_TIME - elapsed_bake_time",
        &format!(
            "    print({print})\n    return EXPECTED_BAKE_TIME - elapsed_bake_time - (elapsed_bake_time == 2)"
        ),
    )
}

fn names(results: &Value) -> Vec<&str> {
    tests(results)
        .iter()
        .map(|test| test["name"].as_str().unwrap())
        .collect()
}

/// The runner's names: `ClassTest.test_x` reads `Class > x`, a function
/// keeps its `test`, `_` is a space, a test with a task ends in `~`, a
/// `subTest` case with a message is named by it alone, cases without one
/// count in their test, pytest-subtests' cases with one message share one
/// entry (task 0). With tasks, entries come by task and then name.
/// Regression: the export named tests our own way (`LasagnaTest > …`,
/// docstrings, every parameter), which the platform did not recognise.
#[tokio::test]
async fn names_and_order_are_the_runners() {
    let results = exercism(&grade(&mutant()).await, View::Author);
    assert_eq!(
        names(&results),
        [
            "test layers one by one [layers]",
            "test nothing left at forty minutes",
            "Lasagna > expected bake time~",
            "Lasagna > bake time remaining [variation #1]",
            "Lasagna > bake time remaining [variation #2]",
            "Lasagna > bake time remaining [variation #3]",
            "Lasagna > bake time remaining~",
            "Lasagna > preparation time in minutes~",
            "test layers one by one~",
            "Lasagna > elapsed time in minutes~",
            "test a big lasagna~",
        ]
    );
    let task = |name: &str| test(&results, name)["task_id"].clone();
    assert_eq!(task("test nothing left at forty minutes"), 0);
    assert_eq!(task("Lasagna > bake time remaining [variation #2]"), 2);
    assert_eq!(task("test layers one by one [layers]"), 0);
    assert_eq!(task("test a big lasagna~"), 4, "from exercise.yaml");

    // The result itself keeps the order of the exercise's files, each by
    // line, and our own names.
    let result = grade(&reference()).await;
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
    assert_eq!(
        result.tests[0].name,
        "LasagnaTest > Expected bake time is 40 minutes"
    );
}

/// Cases without a message fill their test's entry (the first failure's
/// status and exception text); a failed variation fails its test with the
/// runner's sentence. Points stay the tests' own.
#[tokio::test]
async fn failed_cases_fail_their_test_as_the_runner_says() {
    let result = grade(&mutant()).await;
    let results = exercism(&result, View::Author);
    assert_eq!(results["status"], "fail");
    let parent = test(&results, "Lasagna > preparation time in minutes~");
    assert_eq!(parent["status"], "fail");
    assert_eq!(parent["message"], "AssertionError: 2 != 4");
    let layers = test(&results, "test layers one by one [layers]");
    assert_eq!(layers["status"], "fail");
    assert_eq!(layers.get("output"), None, "output only on variations");

    let results = exercism(
        &grade(&one_variation_wrong("'at', elapsed_bake_time")).await,
        View::Author,
    );
    let parent = test(&results, "Lasagna > bake time remaining~");
    assert_eq!(parent["status"], "fail");
    assert_eq!(
        parent["message"],
        "One or more variations of this test failed. Details can be found under each [variant#]."
    );
    assert_eq!(parent.get("output"), None);
    let second = test(&results, "Lasagna > bake time remaining [variation #2]");
    assert_eq!(second["status"], "fail");
    assert_eq!(second["message"], "AssertionError: 37 != 38");
    assert_eq!(
        test(&results, "Lasagna > bake time remaining [variation #1]")["status"],
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
    let passing = grade(&reference()).await;
    assert_eq!(passing.status, Status::Passed, "{passing:#?}");
    assert_eq!(passing.tests.len(), 15);
    let check = grader().await.check(&fixture()).await;
    assert!(check.ok(), "{:#?}", check.findings);
}

/// Output, only on the variations of a failed test, told apart as the
/// runner does: it reads the test's whole output, pytest-subtests' `,`
/// and `u` marks between the cases, and cuts it at each newline and `u` —
/// so a passed case's output joins the next failed one's. Stripped, and at
/// most 500 characters, the last 50 the runner's notice.
#[tokio::test]
async fn variations_output_is_cut_as_the_runner_cuts_it() {
    let results = exercism(
        &grade(&one_variation_wrong("'at', elapsed_bake_time")).await,
        View::Author,
    );
    // #1 passed and printed "at 1", #2 failed after "at 2", #3 passed
    // after "at 5" (its `,` stays: only a failure's `u` cuts).
    assert_eq!(
        test(&results, "Lasagna > bake time remaining [variation #1]")["output"],
        "at 1\n,at 2"
    );
    assert_eq!(
        test(&results, "Lasagna > bake time remaining [variation #2]")["output"],
        "at 5\n,"
    );
    assert_eq!(
        test(&results, "Lasagna > bake time remaining [variation #3]").get("output"),
        None
    );
    assert_eq!(
        test(&results, "test nothing left at forty minutes").get("output"),
        None
    );

    let results = exercism(
        &grade(&one_variation_wrong("'é' * 600")).await,
        View::Learner,
    );
    let output = test(&results, "Lasagna > bake time remaining [variation #1]")["output"]
        .as_str()
        .unwrap();
    assert_eq!(
        output,
        format!(
            "{} [Output was truncated. Please limit to 500 chars]",
            "é".repeat(450)
        )
    );
}

/// `test_code` as the runner cuts it: from the line after `def`, the
/// docstring kept, to one line past the start of the last statement (the
/// grader cuts it from its own copy of the test file); never a hidden
/// test's in the learner view.
#[tokio::test]
async fn test_code_is_cut_as_the_runner_cuts_it() {
    let result = grade(&mutant()).await;
    let learner = exercism(&result, View::Learner);
    assert_eq!(
        test(&learner, "Lasagna > expected bake time~")["test_code"],
        "\"\"\"Expected bake time is 40 minutes\"\"\"\nself.assertEqual(EXPECTED_BAKE_TIME, 40)"
    );
    assert_eq!(
        test(&learner, "Lasagna > preparation time in minutes~")["test_code"],
        "for layers in (1, 2, 5):\n    with self.subTest(layers=layers):\n        \
         # Two minutes a layer.\n        \
         self.assertEqual(preparation_time_in_minutes(layers), 2 * layers)"
    );
    assert_eq!(test(&learner, "test a big lasagna~")["test_code"], "");
    let author = exercism(&result, View::Author);
    assert_eq!(
        test(&author, "test a big lasagna~")["test_code"],
        "assert elapsed_time_in_minutes(10, 40) == 60"
    );
    // Our own result keeps the body without its docstring.
    assert_eq!(
        result.tests[0].code.as_deref(),
        Some("self.assertEqual(EXPECTED_BAKE_TIME, 40)")
    );
}

/// A submission the tests cannot load: no test ran, so the runner says
/// `error`, why, and lists no test. For a `lasagna` (or `hello_world`) test
/// file the runner's message is the ImportError alone (the track's first
/// exercises raise their own "MISSING FUNCTION" hint there); elsewhere it
/// is the whole import error (`no_message_names_a_container_path`).
#[tokio::test]
async fn a_submission_that_cannot_load_is_an_error_without_tests() {
    let without = reference().replace("def elapsed_time_in_minutes", "def elapsed_time");
    let result = grade(&without).await;
    let results = exercism(&result, View::Learner);
    assert_eq!(results["status"], "error");
    assert_eq!(results["tests"], serde_json::json!([]));
    assert_eq!(
        results["message"],
        "ImportError: cannot import name 'elapsed_time_in_minutes' from 'lasagna' (unknown location)"
    );
    // The result itself has the whole of it.
    let message = &result.error.as_ref().unwrap().message;
    for line in [
        "tests/test_lasagna.py:5: in <module>",
        "ImportError: cannot import name 'elapsed_time_in_minutes' from 'lasagna'",
        "AttributeError: module 'lasagna' has no attribute 'elapsed_time_in_minutes'",
    ] {
        assert!(message.contains(line), "{line:?} missing from {message}");
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
