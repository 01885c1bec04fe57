//! A result in the formats other platforms read.
//!
//! - Exercism's test-runner `results.json`, version 3, as Exercism's own
//!   Python runner writes it (`export/exercism.rs`).
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
use crate::result::{GradeResult, TestStatus};

mod exercism;
pub use exercism::exercism;

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
    } else if !result.hints.is_empty() {
        // Gradescope shows the top-level output above the tests.
        let hints: Vec<String> = result
            .hints
            .iter()
            .map(|hint| format!("Hint: {hint}"))
            .collect();
        root["output"] = json!(hints.join("\n\n"));
    }
    serde_json::to_string_pretty(&root).expect("JSON values serialise")
}
