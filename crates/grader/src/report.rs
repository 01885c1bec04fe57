//! Reads the python harness's report from a job's stdout.
//!
//! The report is untrusted input: it comes out of a container that ran a
//! learner's code. Only lines behind this job's nonce count; each must be
//! one JSON event of a known shape; anything else about them is recorded
//! as a defect, never a panic. Sizes are already capped by the sandbox.

use std::collections::HashMap;

use serde::Deserialize;

/// Most report lines read; a report with more is defective.
const MAX_EVENTS: usize = 100_000;

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    SyntaxError(SyntaxErrorEvent),
    Collected { tests: Vec<CollectedTest> },
    CollectError(CollectErrorEvent),
    Start { id: String },
    Result(TestEvent),
    Done { exit_code: i64 },
}

#[derive(Debug, Clone, Deserialize)]
pub struct SyntaxErrorEvent {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CollectedTest {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CollectErrorEvent {
    pub file: String,
    pub summary: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TestEvent {
    pub id: String,
    pub outcome: Outcome,
    pub message: String,
    pub output: String,
    pub output_truncated: bool,
    pub duration: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Error,
    Skipped,
}

/// Everything the report said, and what was wrong with it.
#[derive(Debug, Default)]
pub struct Report {
    pub syntax_error: Option<SyntaxErrorEvent>,
    pub collected: Option<Vec<CollectedTest>>,
    pub collect_errors: Vec<CollectErrorEvent>,
    /// The last test that started and has no result.
    pub running: Option<String>,
    pub results: HashMap<String, TestEvent>,
    pub exit_code: Option<i64>,
    /// Lines behind the nonce that were not valid events, or events out of
    /// place; a report with any is not to be trusted.
    pub defects: Vec<String>,
    /// Stdout lines that were not report lines (pytest's own summary).
    pub other_lines: Vec<String>,
}

impl Report {
    pub fn parse(stdout: &[u8], nonce: &str) -> Report {
        let prefix = format!("@@grader:{nonce} ");
        let mut report = Report::default();
        let text = String::from_utf8_lossy(stdout);
        let mut events = 0;
        for line in text.lines() {
            let Some(json) = line.strip_prefix(&prefix) else {
                if !line.starts_with("@@grader:") {
                    report.other_lines.push(line.to_owned());
                }
                continue;
            };
            events += 1;
            if events > MAX_EVENTS {
                report
                    .defects
                    .push(format!("more than {MAX_EVENTS} events"));
                break;
            }
            match serde_json::from_str::<Event>(json) {
                Ok(event) => report.apply(event),
                Err(error) => report.defects.push(format!("unreadable event: {error}")),
            }
        }
        report
    }

    fn apply(&mut self, event: Event) {
        if self.exit_code.is_some() {
            self.defects.push("an event after the end".to_owned());
            return;
        }
        match event {
            Event::SyntaxError(error) => self.syntax_error = Some(error),
            Event::Collected { tests } => {
                if self.collected.replace(tests).is_some() {
                    self.defects.push("collected twice".to_owned());
                }
            }
            Event::CollectError(error) => self.collect_errors.push(error),
            Event::Start { id } => self.running = Some(id),
            Event::Result(result) => {
                let known = self
                    .collected
                    .as_ref()
                    .is_some_and(|tests| tests.iter().any(|test| test.id == result.id));
                if !known {
                    self.defects
                        .push(format!("a result for unknown test `{}`", result.id));
                } else if self.results.contains_key(&result.id) {
                    self.defects
                        .push(format!("two results for `{}`", result.id));
                } else {
                    if self.running.as_deref() == Some(result.id.as_str()) {
                        self.running = None;
                    }
                    self.results.insert(result.id.clone(), result);
                }
            }
            Event::Done { exit_code } => self.exit_code = Some(exit_code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lines: &[&str]) -> Report {
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        Report::parse(text.as_bytes(), "n0nce")
    }

    #[test]
    fn lines_without_this_jobs_nonce_are_not_report_lines() {
        let report = parse(&[
            r#"@@grader:guess {"event":"done","exit_code":0}"#,
            r#"{"event":"done","exit_code":0}"#,
            "1 passed in 0.01s",
        ]);
        assert_eq!(report.exit_code, None);
        assert_eq!(
            report.other_lines,
            ["{\"event\":\"done\",\"exit_code\":0}", "1 passed in 0.01s"]
        );
    }

    #[test]
    fn malformed_events_are_defects_not_panics() {
        let report = parse(&[
            "@@grader:n0nce {not json",
            r#"@@grader:n0nce {"event":"result","id":"x"}"#,
            r#"@@grader:n0nce {"event":"explode"}"#,
            r#"@@grader:n0nce {"event":"result","id":"t.py::a","outcome":"passed","message":"","output":"","output_truncated":false,"duration":0}"#,
        ]);
        assert_eq!(report.defects.len(), 4, "{:?}", report.defects);
        assert!(report.results.is_empty());
    }

    #[test]
    fn a_started_test_without_result_is_the_running_one() {
        let report = parse(&[
            r#"@@grader:n0nce {"event":"collected","tests":[{"id":"t.py::a","file":"t.py","name":"a"},{"id":"t.py::b","file":"t.py","name":"b"}]}"#,
            r#"@@grader:n0nce {"event":"start","id":"t.py::a"}"#,
            r#"@@grader:n0nce {"event":"result","id":"t.py::a","outcome":"passed","message":"","output":"","output_truncated":false,"duration":0.1}"#,
            r#"@@grader:n0nce {"event":"start","id":"t.py::b"}"#,
        ]);
        assert!(report.defects.is_empty(), "{:?}", report.defects);
        assert_eq!(report.running.as_deref(), Some("t.py::b"));
        assert_eq!(report.results["t.py::a"].outcome, Outcome::Passed);
    }
}
