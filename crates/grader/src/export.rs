//! A result in the formats other platforms read.
//!
//! - Exercism's test-runner `results.json`, version 3: statuses `pass`,
//!   `fail`, `error` (only when no test ran to a verdict); a top-level
//!   `message` only on `error`; tests by line across the test files; per
//!   test the readable `name`, `test_code` (its body), `status`, `message`,
//!   `output` (at most 500 characters, with the interface's notice where
//!   cut), `task_id`; each case of a subtest a test of its own; paths
//!   relative to the submission, never the container's `/work/`.
//! - Gradescope's autograder `results.json`: `score`, `execution_time`,
//!   per test `name`, `score`, `max_score`, `status` (`passed`/`failed`),
//!   `output`, `tags`, `visibility` (`visible`, or `hidden` for hidden
//!   tests: Gradescope never shows those to learners, not even once grades
//!   are published, which `after_published` would).
//! - JUnit XML is written by `junit.rs`, the one JUnit writer.
//!
//! Each export starts from the view it is given: give the learner view to
//! anything a learner will read.

use serde_json::{Value, json};

use crate::exercise::Visibility;
use crate::result::{GradeResult, Output, Status, TestResult, TestStatus};

/// Exercism caps a test's output at 500 characters ...
const EXERCISM_OUTPUT_CAP: usize = 500;
/// ... and its test-runner interface asks for this notice where it was cut.
const EXERCISM_TRUNCATION_NOTICE: &str = "Output was truncated. Please limit to 500 chars";
/// The longest top-level message the interface takes.
const EXERCISM_MESSAGE_CAP: usize = 65_535;
/// The folder the submission is in, inside every container.
const CONTAINER_DIR: &str = "/work/";

pub fn exercism(result: &GradeResult) -> String {
    // Error only when no test ran to a verdict; a run stopped after some
    // tests fails, and its tests say which ran and which did not.
    let some_ran = result
        .tests
        .iter()
        .any(|test| matches!(test.status, TestStatus::Passed | TestStatus::Failed));
    let status = match result.status {
        Status::Passed => "pass",
        Status::Error if !some_ran => "error",
        Status::Failed | Status::Error => "fail",
    };
    // By line across the test files, as Exercism's own Python runner
    // orders them (stable: a test's cases and parameters keep their order).
    let mut ordered: Vec<&TestResult> = result.tests.iter().collect();
    ordered.sort_by_key(|test| test.line.unwrap_or(u32::MAX));
    let tests: Vec<Value> = ordered.into_iter().map(exercism_test).collect();
    let mut root = json!({ "version": 3, "status": status, "tests": tests });
    if status == "error"
        && let Some(error) = &result.error
    {
        root["message"] = json!(capped_chars(
            &without_container_paths(&error.message),
            EXERCISM_MESSAGE_CAP
        ));
    }
    serde_json::to_string_pretty(&root).expect("JSON values serialise")
}

/// One test as Exercism's per-test entry.
fn exercism_test(test: &TestResult) -> Value {
    let mut entry = json!({
        "name": test.name,
        "status": match test.status {
            TestStatus::Passed => "pass",
            TestStatus::Failed => "fail",
            TestStatus::Error | TestStatus::Skipped => "error",
        },
    });
    if let Some(code) = &test.code {
        entry["test_code"] = json!(code);
    }
    if test.status != TestStatus::Passed {
        let message = test
            .message
            .clone()
            .unwrap_or_else(|| hidden_note(test.visibility));
        entry["message"] = json!(without_container_paths(&message));
    }
    if let Some(output) = &test.output {
        entry["output"] = json!(exercism_output(output));
    }
    if let Some(task) = test.task {
        entry["task_id"] = json!(task);
    }
    entry
}

/// `text` cut to `cap` characters.
fn capped_chars(text: &str, cap: usize) -> String {
    text.chars().take(cap).collect()
}

/// A test's output as Exercism takes it: at most 500 characters, then the
/// interface's own notice when something was cut (here or before).
fn exercism_output(output: &Output) -> String {
    let text = without_container_paths(&output.text);
    let mut kept: String = text.chars().take(EXERCISM_OUTPUT_CAP).collect();
    if output.truncated || kept.len() < text.len() {
        kept.push('\n');
        kept.push_str(EXERCISM_TRUNCATION_NOTICE);
    }
    kept
}

/// `text` with the container's folder of the submission left out of its
/// paths: Exercism asks for paths relative to the solution, and `/work/`
/// means nothing to a learner.
fn without_container_paths(text: &str) -> String {
    text.replace(CONTAINER_DIR, "")
}

pub fn gradescope(result: &GradeResult) -> String {
    let tests: Vec<Value> = result
        .tests
        .iter()
        .enumerate()
        .map(|(index, test)| {
            let mut output = test.message.clone().unwrap_or_default();
            if let Some(captured) = &test.output {
                if !output.is_empty() {
                    output.push_str("\n\n");
                }
                output.push_str(&captured.text);
                if captured.truncated {
                    output.push_str("\n… (output cut)");
                }
            }
            json!({
                "name": test.id,
                "number": (index + 1).to_string(),
                "score": test.score,
                "max_score": test.max_score,
                "status": if test.status == TestStatus::Passed { "passed" } else { "failed" },
                "output": output,
                "tags": test.tags,
                "visibility": match test.visibility {
                    Visibility::Visible => "visible",
                    Visibility::Hidden => "hidden",
                },
            })
        })
        .collect();
    let mut root = json!({
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": (result.duration_ms as f64 / 1000.0),
        "tests": tests,
    });
    if let Some(error) = &result.error {
        root["output"] = json!(format!(
            "Could not grade ({}): {}",
            error.kind.as_str(),
            error.message
        ));
    }
    serde_json::to_string_pretty(&root).expect("JSON values serialise")
}

fn hidden_note(visibility: Visibility) -> String {
    match visibility {
        Visibility::Hidden => "hidden test: its details are not shown".to_owned(),
        Visibility::Visible => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::TestSettings;
    use crate::result::TestResult;

    fn failed_with(message: &str, output: &str) -> GradeResult {
        let settings = TestSettings {
            points: 1.0,
            visibility: Visibility::Visible,
            task: Some(1),
            tags: Vec::new(),
        };
        let mut test = TestResult::judged(
            "test_x.py::test_x".to_owned(),
            "test_x".to_owned(),
            settings,
            TestStatus::Failed,
            Some(message.to_owned()),
            0,
        );
        test.output = Some(Output {
            text: output.to_owned(),
            truncated: false,
        });
        let mut result = GradeResult::graded(
            "python/x",
            std::time::Duration::ZERO,
            vec![test],
            Output::head(String::new(), 10, false),
        );
        result.settle();
        result
    }

    fn exercism_test(result: &GradeResult) -> Value {
        let root: Value = serde_json::from_str(&exercism(result)).unwrap();
        root["tests"][0].clone()
    }

    /// Regression: output over 500 characters was cut with a notice of our
    /// own, not the one the interface asks for.
    #[test]
    fn exercism_output_over_500_characters_is_cut_with_the_interfaces_notice() {
        let long = "é".repeat(499) + "xyz";
        let test = exercism_test(&failed_with("boom", &long));
        let output = test["output"].as_str().unwrap();
        let (kept, notice) = output.split_once('\n').unwrap();
        assert_eq!(kept, "é".repeat(499) + "x");
        assert_eq!(notice, "Output was truncated. Please limit to 500 chars");

        let short = exercism_test(&failed_with("boom", &"a".repeat(500)));
        assert_eq!(short["output"], "a".repeat(500));
    }

    /// A run stopped after some tests ran is `fail`, not `error`: the
    /// interface keeps `error` for a run where no test was executed.
    #[test]
    fn exercism_errors_only_when_no_test_ran() {
        let mut result = failed_with("boom", "");
        result.error = Some(crate::result::GradeError {
            kind: crate::result::ErrorKind::Timeout,
            message: "the run took longer than 10s".to_owned(),
            learner_fault: true,
        });
        result.settle();
        let root: Value = serde_json::from_str(&exercism(&result)).unwrap();
        assert_eq!(root["status"], "fail");
        assert_eq!(root.get("message"), None);

        result.tests[0].status = TestStatus::Error;
        let root: Value = serde_json::from_str(&exercism(&result)).unwrap();
        assert_eq!(root["status"], "error");
        assert_eq!(root["message"], "the run took longer than 10s");
    }

    /// Regression: a message showed the container's path of the learner's
    /// file.
    #[test]
    fn exercism_shows_no_container_path() {
        let mut result = failed_with(
            "ImportError: cannot import name 'x' (/work/x.py)",
            "opened /work/tests/data.txt",
        );
        // Not run: the top-level message is the one to read.
        result.tests[0].status = TestStatus::Error;
        result.error = Some(crate::result::GradeError {
            kind: crate::result::ErrorKind::Crashed,
            message: "the tests could not load your code:\n/work/x.py:3: in <module>".to_owned(),
            learner_fault: true,
        });
        result.settle();
        let text = exercism(&result);
        assert!(!text.contains("/work/"), "{text}");
        let root: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            root["tests"][0]["message"],
            "ImportError: cannot import name 'x' (x.py)"
        );
        assert_eq!(root["tests"][0]["output"], "opened tests/data.txt");
        assert_eq!(
            root["message"],
            "the tests could not load your code:\nx.py:3: in <module>"
        );
    }
}
