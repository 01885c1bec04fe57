//! Reads the python harness's report from a job's stdout.
//!
//! The report is untrusted input: it comes out of a container that ran a
//! learner's code. Only lines signed with this job's key count
//! (`channel.rs`); each must be one JSON event of a known shape; anything
//! else about them is recorded as a defect, never a panic. Sizes are
//! already capped by the sandbox.

use std::collections::HashMap;

use serde::Deserialize;

use crate::channel::{self, Key};
use crate::exercise::TestSettings;
use crate::result::{Output, TestResult, TestStatus};

/// Most report lines read; a report with more is defective.
const MAX_EVENTS: usize = 100_000;

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    SyntaxError(SyntaxErrorEvent),
    Collected { tests: Vec<CollectedTest> },
    CollectError(CollectErrorEvent),
    NotLoaded { tests: Vec<CollectedTest> },
    Start { id: String },
    Subtest(SubtestEvent),
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
    /// The line of its test file where it is defined (its `def`).
    #[serde(default)]
    pub line: Option<u32>,
    /// Where its body is: first line, last line, column of the first
    /// (`python::source` cuts the code out of the test file the grader
    /// holds: no test's source travels in the report).
    #[serde(default)]
    pub body: Option<(u32, u32, u32)>,
    /// The first line of its last statement.
    #[serde(default)]
    pub last: Option<u32>,
    /// From `@pytest.mark.task(taskno=N)`.
    #[serde(default)]
    pub task: Option<u32>,
}

/// One case of a test's subtests (unittest `subTest`, pytest-subtests).
#[derive(Debug, Clone, Deserialize)]
pub struct SubtestEvent {
    /// The id of the test it is a case of.
    pub parent: String,
    /// `<parent>[<name>]`.
    pub id: String,
    /// The case's message and parameters.
    pub name: String,
    /// The message it was given (`subTest("…")`), if any.
    #[serde(default)]
    pub msg: Option<String>,
    pub outcome: Outcome,
    pub message: String,
    pub output: String,
    pub output_truncated: bool,
    pub duration: f64,
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

impl Outcome {
    /// The status a result gives a test that ended so.
    pub fn status(self) -> TestStatus {
        match self {
            Outcome::Passed => TestStatus::Passed,
            Outcome::Failed => TestStatus::Failed,
            Outcome::Error => TestStatus::Error,
            Outcome::Skipped => TestStatus::Skipped,
        }
    }
}

impl CollectedTest {
    /// This test's row in a result, judged by `settings`: its id, name and
    /// line, and how it went (`seconds` it took).
    pub(crate) fn row(
        &self,
        settings: TestSettings,
        status: TestStatus,
        message: Option<String>,
        output: Option<Output>,
        seconds: f64,
    ) -> TestResult {
        let mut result = TestResult::judged(
            self.id.clone(),
            self.name.clone(),
            settings,
            status,
            message,
            (seconds * 1000.0) as u64,
        );
        result.output = output;
        result.line = self.line;
        result
    }
}

/// Everything the report said, and what was wrong with it.
#[derive(Debug, Default)]
pub struct Report {
    pub syntax_error: Option<SyntaxErrorEvent>,
    pub collected: Option<Vec<CollectedTest>>,
    pub collect_errors: Vec<CollectErrorEvent>,
    /// Tests of files that could not load, listed without running.
    pub not_loaded: Vec<CollectedTest>,
    /// The last test that started and has no result.
    pub running: Option<String>,
    pub results: HashMap<String, TestEvent>,
    /// Cases of subtests, in the order they ran.
    pub subtests: Vec<SubtestEvent>,
    pub exit_code: Option<i64>,
    /// Signed lines that were not valid events, or events out of place: the
    /// harness's own mistakes, since only it can sign.
    pub defects: Vec<String>,
    /// Signed lines went missing: taken off the channel by learner code.
    pub cut: bool,
    /// Stdout lines that were not report lines (pytest's own summary).
    pub other_lines: Vec<String>,
}

impl Report {
    pub fn parse(stdout: &[u8], key: &Key) -> Report {
        let lines = channel::read(stdout, key);
        let mut report = Report {
            cut: lines.gap,
            other_lines: lines.other,
            ..Report::default()
        };
        let mut events = 0;
        for json in &lines.payloads {
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
            Event::NotLoaded { tests } => self.not_loaded.extend(tests),
            Event::Start { id } => self.running = Some(id),
            Event::Subtest(case) => self.add_subtest(case),
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

    /// A case counts only for a collected test without a result yet, under
    /// an id of its own.
    fn add_subtest(&mut self, case: SubtestEvent) {
        let collected = self
            .collected
            .as_ref()
            .is_some_and(|tests| tests.iter().any(|test| test.id == case.parent));
        let own_id = case.id.len() > case.parent.len()
            && case.id.starts_with(&case.parent)
            && case.id[case.parent.len()..].starts_with('[');
        if !collected {
            self.defects
                .push(format!("a case of unknown test `{}`", case.parent));
        } else if !own_id {
            self.defects
                .push(format!("a case of `{}` named `{}`", case.parent, case.id));
        } else if self.results.contains_key(&case.parent) {
            self.defects
                .push(format!("a case of `{}` after its result", case.parent));
        } else if self.subtests.iter().any(|other| other.id == case.id) {
            self.defects.push(format!("two cases `{}`", case.id));
        } else {
            self.subtests.push(case);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each line signed in order, but those starting with `!`, kept as
    /// they are.
    fn parse(lines: &[&str]) -> Report {
        let key = KEY.with(Clone::clone);
        let mut seq = 0;
        let mut text = String::new();
        for line in lines {
            if let Some(raw) = line.strip_prefix('!') {
                text.push_str(raw);
            } else {
                text.push_str(&key.sign(seq, line));
                seq += 1;
            }
            text.push('\n');
        }
        Report::parse(text.as_bytes(), &key)
    }

    thread_local! {
        static KEY: Key = Key::new();
    }

    proptest::proptest! {
        /// Signed lines whose JSON is anything at all (the harness's own
        /// mistakes) make defects, never a panic.
        #[test]
        fn any_signed_payload_parses_without_panic(
            payloads in proptest::collection::vec(".{0,200}", 0..30),
        ) {
            let lines: Vec<&str> = payloads.iter().map(String::as_str).collect();
            let report = parse(&lines);
            proptest::prop_assert!(report.results.len() <= payloads.len());
        }
    }

    #[test]
    fn unsigned_lines_are_not_report_lines() {
        let report = parse(&[
            r#"!@@grader:0:00000000000000000000000000000000 {"event":"done","exit_code":0}"#,
            r#"!{"event":"done","exit_code":0}"#,
            "!1 passed in 0.01s",
        ]);
        assert_eq!(report.exit_code, None);
        assert_eq!(report.other_lines.len(), 3);
    }

    #[test]
    fn malformed_events_are_defects_not_panics() {
        let report = parse(&[
            "{not json",
            r#"{"event":"result","id":"x"}"#,
            r#"{"event":"explode"}"#,
            r#"{"event":"result","id":"t.py::a","outcome":"passed","message":"","output":"","output_truncated":false,"duration":0}"#,
        ]);
        assert_eq!(report.defects.len(), 4, "{:?}", report.defects);
        assert!(report.results.is_empty());
    }

    #[test]
    fn a_started_test_without_result_is_the_running_one() {
        let report = parse(&[
            r#"{"event":"collected","tests":[{"id":"t.py::a","file":"t.py","name":"a"},{"id":"t.py::b","file":"t.py","name":"b"}]}"#,
            r#"{"event":"start","id":"t.py::a"}"#,
            r#"{"event":"result","id":"t.py::a","outcome":"passed","message":"","output":"","output_truncated":false,"duration":0.1}"#,
            r#"{"event":"start","id":"t.py::b"}"#,
        ]);
        assert!(report.defects.is_empty(), "{:?}", report.defects);
        assert_eq!(report.running.as_deref(), Some("t.py::b"));
        assert_eq!(report.results["t.py::a"].outcome, Outcome::Passed);
    }

    #[test]
    fn cases_count_only_for_a_collected_test_before_its_result() {
        let case = |parent: &str, id: &str| {
            format!(
                r#"{{"event":"subtest","parent":"{parent}","id":"{id}","name":"n","outcome":"failed","message":"m","output":"","output_truncated":false,"duration":0}}"#
            )
        };
        let report = parse(&[
            r#"{"event":"collected","tests":[{"id":"t.py::a","name":"a","line":3,"body":[4,5,0],"last":5}]}"#,
            &case("t.py::a", "t.py::a[one]"),
            &case("t.py::a", "t.py::a[one]"),
            &case("t.py::b", "t.py::b[one]"),
            &case("t.py::a", "t.py::other"),
            r#"{"event":"result","id":"t.py::a","outcome":"failed","message":"","output":"","output_truncated":false,"duration":0.1}"#,
            &case("t.py::a", "t.py::a[late]"),
        ]);
        assert_eq!(report.subtests.len(), 1);
        assert_eq!(report.subtests[0].id, "t.py::a[one]");
        assert_eq!(report.defects.len(), 4, "{:?}", report.defects);
        let collected = report.collected.unwrap();
        assert_eq!(collected[0].line, Some(3));
        assert_eq!(collected[0].body, Some((4, 5, 0)));
        assert_eq!(collected[0].last, Some(5));
    }
}
