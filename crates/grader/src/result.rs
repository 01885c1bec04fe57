//! The one result model, serialised as versioned JSON.
//!
//! A result is made in the author's view (everything) and turned into the
//! learner's view by [`GradeResult::for_view`], which keeps hidden tests'
//! status and points and drops their message and output.

use serde::{Deserialize, Serialize};

use crate::exercise::Visibility;

/// The `version` of the result JSON.
pub const RESULT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeResult {
    pub version: u32,
    /// `<track>/<slug>`.
    pub exercise: String,
    pub status: Status,
    /// Set when `status` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<GradeError>,
    pub score: f64,
    pub max_score: f64,
    pub duration_ms: u64,
    pub view: View,
    /// In the order of the exercise's test files, and of the tests in each.
    pub tests: Vec<TestResult>,
    /// The run's own stdout and stderr, outside any test: author view only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<Output>,
    /// What the known mistakes this submission most likely makes say to
    /// the learner (`crate::hints`); in every view.
    #[serde(default)]
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every test passed.
    Passed,
    /// The submission was graded and some test did not pass.
    Failed,
    /// The submission could not be graded; see `error`.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeError {
    pub kind: ErrorKind,
    pub message: String,
    /// False for `infra`: such an attempt must not count against a learner.
    pub learner_fault: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The run passed its wall-clock limit.
    Timeout,
    /// The run passed its memory limit.
    Memory,
    /// The run printed more than its output limit.
    OutputLimit,
    /// The code could not be loaded or the run died before its tests ended.
    Crashed,
    /// A file is missing, unexpected or too large; nothing was run.
    InvalidSubmission,
    /// The grader or its engine failed; the submission is not to blame.
    Infra,
}

impl ErrorKind {
    pub fn learner_fault(self) -> bool {
        self != ErrorKind::Infra
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Memory => "memory",
            ErrorKind::OutputLimit => "output_limit",
            ErrorKind::Crashed => "crashed",
            ErrorKind::InvalidSubmission => "invalid_submission",
            ErrorKind::Infra => "infra",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Learner,
    Author,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// `<test file>::<test name>`, unique in the result.
    pub id: String,
    pub name: String,
    pub status: TestStatus,
    pub score: f64,
    pub max_score: f64,
    pub visibility: Visibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Why it did not pass (the assertion, the exception).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the test printed, capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Output>,
    pub duration_ms: u64,
    /// The line of its test file where it is defined (python).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Its body, as its test file has it (python); never a hidden test's
    /// in the learner view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its code as Exercism's test runner cuts it (python), for the
    /// Exercism export only: not part of the JSON result.
    #[serde(skip)]
    pub exercism_code: Option<String>,
    /// For one case of a test's subtests, the id of that test. Such a
    /// result follows its test and is worth no points of its own: its test
    /// carries them, and fails when any of its cases does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For one case of a test's subtests, the message it was given
    /// (`self.subTest("variation #1", …)`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    Failed,
    /// The test could not run to a verdict (fixture error, time limit, the
    /// run stopped before it).
    Error,
    Skipped,
}

/// Captured text, with whether some of it was cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub text: String,
    pub truncated: bool,
}

impl Output {
    /// `text` cut to its first `cap` bytes (at a character boundary);
    /// `truncated` also when the text was already cut before.
    pub fn head(mut text: String, cap: usize, already_cut: bool) -> Output {
        let truncated = already_cut || text.len() > cap;
        if text.len() > cap {
            let mut cut = cap;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        Output { text, truncated }
    }

    /// `text` cut to its last `cap` bytes, marked with `…` where cut.
    pub fn tail(text: &str, cap: usize, already_cut: bool) -> Output {
        if text.len() <= cap {
            return Output {
                text: text.to_owned(),
                truncated: already_cut,
            };
        }
        let mut start = text.len() - cap;
        while !text.is_char_boundary(start) {
            start += 1;
        }
        Output {
            text: format!("…{}", &text[start..]),
            truncated: true,
        }
    }

    /// A job's own output for the author's log: `extra` first (what the
    /// kind has to say), then stdout lines outside the report, then stderr.
    pub fn run_log(
        outcome: &grader_sandbox::Outcome,
        extra: &str,
        other_stdout: &[String],
        cap: usize,
    ) -> Output {
        let mut text = extra.to_owned();
        let other = other_stdout.join("\n");
        if !other.trim().is_empty() {
            text.push_str("--- stdout ---\n");
            text.push_str(&other);
            text.push('\n');
        }
        let stderr = outcome.stderr.text();
        if !stderr.trim().is_empty() {
            text.push_str("--- stderr ---\n");
            text.push_str(&stderr);
        }
        let cut = outcome.stdout.truncated() || outcome.stderr.truncated();
        Output::head(text, cap, cut)
    }
}

impl TestResult {
    /// A test's result from the exercise's settings for it and a verdict:
    /// the points are earned only when it passed. A skipped test (pytest's
    /// skip or xfail) neither earns nor loses them: it is out of the
    /// maximum, as bare pytest leaves it out of the failures.
    pub fn judged(
        id: String,
        name: String,
        settings: crate::exercise::TestSettings,
        status: TestStatus,
        message: Option<String>,
        duration_ms: u64,
    ) -> TestResult {
        TestResult {
            id,
            name,
            status,
            score: if status == TestStatus::Passed {
                settings.points
            } else {
                0.0
            },
            max_score: if status == TestStatus::Skipped {
                0.0
            } else {
                settings.points
            },
            visibility: settings.visibility,
            task: settings.task,
            tags: settings.tags,
            message,
            output: None,
            duration_ms,
            line: None,
            code: None,
            exercism_code: None,
            parent: None,
            case: None,
        }
    }
}

impl GradeResult {
    /// A result in the author's view, before its tests are settled
    /// ([`GradeResult::settle`] decides status and score).
    pub fn graded(
        exercise: &str,
        duration: std::time::Duration,
        tests: Vec<TestResult>,
        log: Output,
    ) -> GradeResult {
        GradeResult {
            version: RESULT_VERSION,
            exercise: exercise.to_owned(),
            status: Status::Error,
            error: None,
            score: 0.0,
            max_score: 0.0,
            duration_ms: duration.as_millis() as u64,
            view: View::Author,
            tests,
            log: Some(log),
            hints: Vec::new(),
        }
    }

    /// A result for a submission that could not be graded at all.
    pub fn error(exercise: &str, kind: ErrorKind, message: impl Into<String>) -> GradeResult {
        GradeResult {
            version: RESULT_VERSION,
            exercise: exercise.to_owned(),
            status: Status::Error,
            error: Some(GradeError {
                kind,
                message: message.into(),
                learner_fault: kind.learner_fault(),
            }),
            score: 0.0,
            max_score: 0.0,
            duration_ms: 0,
            view: View::Author,
            tests: Vec::new(),
            log: None,
            hints: Vec::new(),
        }
    }

    /// Sets status, score and max score from the tests (unless an error
    /// was already decided). The one place where an `infra` error's points
    /// become zero, for every kind.
    pub fn settle(&mut self) {
        if self
            .error
            .as_ref()
            .is_some_and(|error| error.kind == ErrorKind::Infra)
        {
            // Not gradable: nothing the run did counts, in any kind.
            for test in &mut self.tests {
                test.score = 0.0;
            }
        }
        // Folded from +0.0: an empty `sum` of floats is -0.0.
        self.score = self.tests.iter().fold(0.0, |sum, test| sum + test.score);
        self.max_score = self
            .tests
            .iter()
            .fold(0.0, |sum, test| sum + test.max_score);
        if self.error.is_none() {
            let all_passed = !self.tests.is_empty()
                && self
                    .tests
                    .iter()
                    .all(|test| matches!(test.status, TestStatus::Passed | TestStatus::Skipped));
            self.status = if all_passed {
                Status::Passed
            } else {
                Status::Failed
            };
        } else {
            self.status = Status::Error;
        }
    }

    /// This result as `view` may see it. A view only narrows: a result
    /// already in the learner's view stays in it, since what was dropped
    /// cannot come back.
    pub fn for_view(&self, view: View) -> GradeResult {
        let mut result = self.clone();
        if result.view == View::Learner {
            return result;
        }
        result.view = view;
        if view == View::Learner {
            result.log = None;
            for test in &mut result.tests {
                if test.visibility == Visibility::Hidden {
                    test.message = None;
                    test.output = None;
                    test.code = None;
                    test.exercism_code = None;
                }
            }
            if let Some(error) = &mut result.error
                && error.kind == ErrorKind::Infra
            {
                error.message = "the grader could not run your submission; \
                                     this attempt does not count, please try again"
                    .to_owned();
            }
        }
        result
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a result always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden_failure() -> GradeResult {
        let settings = crate::exercise::TestSettings {
            points: 1.0,
            visibility: Visibility::Hidden,
            task: None,
            tags: Vec::new(),
        };
        let test = TestResult::judged(
            "test_x_hidden.py::test_secret".to_owned(),
            "test_secret".to_owned(),
            settings,
            TestStatus::Failed,
            Some("assert secret == 42".to_owned()),
            0,
        );
        let mut result = GradeResult::graded(
            "python/x",
            std::time::Duration::ZERO,
            vec![test],
            Output::head("log".to_owned(), 100, false),
        );
        result.settle();
        result
    }

    /// Regression: `grader submit` asked a learner's result for the
    /// author's view and printed it labelled `"view": "author"`.
    #[test]
    fn a_learner_result_asked_for_the_author_view_stays_the_learner_view() {
        let learner = hidden_failure().for_view(View::Learner);
        let again = learner.for_view(View::Author);
        assert_eq!(again.view, View::Learner);
        assert_eq!(again, learner);
    }

    /// Regression: the api kind kept the points of the cases that passed
    /// before an `infra` error; python and sql each zeroed them themselves.
    #[test]
    fn an_infra_error_scores_nothing_in_any_kind() {
        let settings = crate::exercise::TestSettings {
            points: 2.0,
            visibility: Visibility::Visible,
            task: None,
            tags: Vec::new(),
        };
        let passed = TestResult::judged(
            "cases.yaml::create".to_owned(),
            "create".to_owned(),
            settings,
            TestStatus::Passed,
            None,
            0,
        );
        let mut result = GradeResult::graded(
            "api/x",
            std::time::Duration::ZERO,
            vec![passed],
            Output::head(String::new(), 100, false),
        );
        result.error = Some(GradeError {
            kind: ErrorKind::Infra,
            message: "the engine went away".to_owned(),
            learner_fault: false,
        });
        result.settle();
        assert_eq!((result.score, result.max_score), (0.0, 2.0));
        assert_eq!(result.tests[0].score, 0.0);
        assert_eq!(result.status, Status::Error);
    }

    #[test]
    fn the_learner_view_drops_hidden_messages_code_and_the_log() {
        let author = hidden_failure();
        assert!(author.tests[0].message.is_some());
        let mut author = author;
        author.tests[0].code = Some("assert secret == 42".to_owned());
        let learner = author.for_view(View::Learner);
        assert_eq!(learner.view, View::Learner);
        assert_eq!(learner.tests[0].message, None);
        assert_eq!(learner.tests[0].code, None);
        assert_eq!(learner.log, None);
        assert_eq!(learner.score, author.score);
    }
}
