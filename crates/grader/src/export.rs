//! A result in the formats other platforms read.
//!
//! - Exercism's test-runner `results.json`, version 3: statuses `pass`,
//!   `fail`, `error`; a top-level `message` only on `error`; per test
//!   `name`, `status`, `message`, `output` (Exercism shows at most 500
//!   characters of it), `task_id`.
//! - Gradescope's autograder `results.json`: `score`, `execution_time`,
//!   per test `name`, `score`, `max_score`, `status` (`passed`/`failed`),
//!   `output`, `tags`, `visibility` (`visible`, or `hidden` for hidden
//!   tests: Gradescope never shows those to learners, not even once grades
//!   are published, which `after_published` would).
//! - JUnit XML, a `<testcase>` per test.
//!
//! Each export starts from the view it is given: give the learner view to
//! anything a learner will read.

use quick_xml::escape::escape;
use serde_json::{Value, json};

use crate::exercise::Visibility;
use crate::result::{GradeResult, Status, TestStatus};

/// Exercism caps a test's output at 500 characters.
const EXERCISM_OUTPUT_CAP: usize = 500;

pub fn exercism(result: &GradeResult) -> String {
    let status = match result.status {
        Status::Passed => "pass",
        Status::Failed => "fail",
        Status::Error => "error",
    };
    let tests: Vec<Value> = result
        .tests
        .iter()
        .map(|test| {
            let mut entry = json!({
                "name": test.id,
                "status": match test.status {
                    TestStatus::Passed => "pass",
                    TestStatus::Failed => "fail",
                    TestStatus::Error | TestStatus::Skipped => "error",
                },
            });
            if test.status != TestStatus::Passed {
                entry["message"] = json!(
                    test.message
                        .clone()
                        .unwrap_or_else(|| hidden_note(test.visibility))
                );
            }
            if let Some(output) = &test.output {
                let mut text: String = output.text.chars().take(EXERCISM_OUTPUT_CAP).collect();
                if output.truncated || text.len() < output.text.len() {
                    text.push_str("\n… (output cut)");
                }
                entry["output"] = json!(text);
            }
            if let Some(task) = test.task {
                entry["task_id"] = json!(task);
            }
            entry
        })
        .collect();
    let mut root = json!({ "version": 3, "status": status, "tests": tests });
    if let Some(error) = &result.error {
        root["message"] = json!(error.message);
    }
    serde_json::to_string_pretty(&root).expect("JSON values serialise")
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

pub fn junit(result: &GradeResult) -> String {
    let count = |status: TestStatus| {
        result
            .tests
            .iter()
            .filter(|test| test.status == status)
            .count()
    };
    let suite_error = usize::from(result.error.is_some());
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        escape(result.exercise.as_str()),
        result.tests.len(),
        count(TestStatus::Failed),
        count(TestStatus::Error) + suite_error,
        count(TestStatus::Skipped),
        result.duration_ms as f64 / 1000.0
    ));
    for test in &result.tests {
        let file = test.id.split("::").next().unwrap_or_default();
        xml.push_str(&format!(
            "  <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">",
            escape(test.name.as_str()),
            escape(file),
            test.duration_ms as f64 / 1000.0
        ));
        let message = test
            .message
            .clone()
            .unwrap_or_else(|| hidden_note(test.visibility));
        // The assertion's own line says more than the traceback's first.
        let first = message
            .lines()
            .find_map(|line| line.strip_prefix("E   "))
            .or_else(|| message.lines().next())
            .unwrap_or_default()
            .trim()
            .to_owned();
        match test.status {
            TestStatus::Passed => {}
            TestStatus::Failed => xml.push_str(&format!(
                "\n    <failure message=\"{}\">{}</failure>\n  ",
                escape(first.as_str()),
                escape(message.as_str())
            )),
            TestStatus::Error => xml.push_str(&format!(
                "\n    <error message=\"{}\">{}</error>\n  ",
                escape(first.as_str()),
                escape(message.as_str())
            )),
            TestStatus::Skipped => xml.push_str(&format!(
                "\n    <skipped message=\"{}\"/>\n  ",
                escape(first.as_str())
            )),
        }
        if let Some(output) = &test.output {
            xml.push_str(&format!(
                "  <system-out>{}</system-out>\n  ",
                escape(output.text.as_str())
            ));
        }
        xml.push_str("</testcase>\n");
    }
    if let Some(error) = &result.error {
        xml.push_str(&format!(
            "  <testcase name=\"grading\" classname=\"{}\">\n    <error type=\"{}\" message=\"{}\"/>\n  </testcase>\n",
            escape(result.exercise.as_str()),
            error.kind.as_str(),
            escape(error.message.as_str())
        ));
    }
    xml.push_str("</testsuite>\n");
    xml
}

fn hidden_note(visibility: Visibility) -> String {
    match visibility {
        Visibility::Hidden => "hidden test: its details are not shown".to_owned(),
        Visibility::Visible => String::new(),
    }
}
