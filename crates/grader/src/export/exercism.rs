//! Exercism's test-runner `results.json`, version 3, as Exercism's own
//! Python test runner (exercism/python-test-runner) writes it, rule by rule:
//!
//! - **names** from pytest's ids: `ClassTest.test_x` reads `Class > x`
//!   (only a class name ending in `Test` loses it), a function keeps its
//!   `test`, every `_` is a space; a test with a task (`task_id` > 0) ends
//!   in `~`; a subtest case with a message is an entry of its own, named
//!   by its message alone (`… > hello [variation #1]`); cases without one
//!   count in their test's entry, and cases with the same message share one;
//! - **order**: by task, then name, when any test has a task; else as the
//!   tests ran, by line across the test files, each test before its cases;
//! - **status** `pass`, `fail`, `error` (a test's setup or teardown
//!   failed); a skipped test passes; top-level `error`, with a `message`
//!   and no tests, only when no test ran to a verdict;
//! - **message** the failure's exception text alone (pytest's `E` lines,
//!   without the `E`); a test whose variations failed says so;
//! - **output** only on the variations of a failed test, told apart as the
//!   runner does (`variation_outputs`), stripped, at most 500 characters
//!   with the runner's own notice;
//! - **test_code** the runner's cut (`python::source`), **task_id** always
//!   (0 without a task).
//!
//! Paths are relative to the submission, never the container's `/work/`.

use serde_json::{Value, json};

use crate::exercise::Visibility;
use crate::result::{GradeResult, TestResult, TestStatus};

/// The runner keeps at most this many characters of output ...
const OUTPUT_CAP: usize = 500;
/// ... ending, where cut, in this notice (counted in the 500).
const TRUNCATION_NOTICE: &str = " [Output was truncated. Please limit to 500 chars]";
/// What a test whose variations failed says.
const VARIATIONS_FAILED: &str =
    "One or more variations of this test failed. Details can be found under each [variant#].";
/// The longest top-level message the interface takes.
const MESSAGE_CAP: usize = 65_535;
/// The folder the submission is in, inside every container.
const CONTAINER_DIR: &str = "/work/";

/// `result` as Exercism's results.json.
pub fn exercism(result: &GradeResult) -> String {
    let some_ran = result
        .tests
        .iter()
        .any(|test| matches!(test.status, TestStatus::Passed | TestStatus::Failed));
    let root = if result.error.is_some() && !some_ran {
        // Nothing ran (the tests could not load the code, or the run
        // stopped first): the runner says why, and lists no test.
        let message = result
            .error
            .as_ref()
            .map(|error| error.message.as_str())
            .unwrap_or_default();
        let message = error_message(result, message);
        json!({
            "version": 3,
            "status": "error",
            "message": message.chars().take(MESSAGE_CAP).collect::<String>(),
            "tests": [],
        })
    } else {
        let entries = entries(result);
        let failed = entries.iter().any(|entry| entry.status != "pass");
        json!({
            "version": 3,
            "status": if failed || result.error.is_some() { "fail" } else { "pass" },
            "tests": entries.iter().map(Entry::to_json).collect::<Vec<_>>(),
        })
    };
    serde_json::to_string_pretty(&root).expect("JSON values serialise")
}

/// One test of the results.json.
#[derive(Debug)]
struct Entry {
    name: String,
    status: &'static str,
    message: Option<String>,
    test_code: String,
    task_id: u32,
    output: Option<String>,
}

impl Entry {
    fn to_json(&self) -> Value {
        let mut entry = json!({ "name": self.name, "status": self.status });
        if let Some(message) = self.message.as_deref().filter(|text| !is_blank(text)) {
            entry["message"] = json!(message);
        }
        entry["test_code"] = json!(self.test_code);
        entry["task_id"] = json!(self.task_id);
        if let Some(output) = self.output.as_deref().filter(|text| !is_blank(text)) {
            entry["output"] = json!(output);
        }
        entry
    }
}

/// The runner drops a message or output that is empty or one space.
fn is_blank(text: &str) -> bool {
    text.is_empty() || text == " "
}

fn entries(result: &GradeResult) -> Vec<Entry> {
    // As the tests ran: by line across the test files (stable, so a test's
    // cases stay after it, in their order).
    let mut ordered: Vec<&TestResult> = result.tests.iter().collect();
    ordered.sort_by_key(|test| test.line.unwrap_or(u32::MAX));

    let mut entries: Vec<Entry> = Vec::new();
    for test in &ordered {
        match &test.parent {
            None => entries.push(Entry {
                name: raw_name(&test.id),
                status: own_status(test),
                message: own_message(test),
                test_code: test.exercism_code.clone().unwrap_or_default(),
                task_id: test.task.unwrap_or(0),
                output: None,
            }),
            Some(parent) => case(&mut entries, test, parent, &ordered),
        }
    }
    for test in ordered.iter().filter(|test| test.parent.is_none()) {
        let cases: Vec<&TestResult> = ordered
            .iter()
            .filter(|case| case.parent.as_deref() == Some(test.id.as_str()))
            .copied()
            .collect();
        if cases.is_empty() || matches!(test.status, TestStatus::Passed | TestStatus::Skipped) {
            continue;
        }
        let parent = raw_name(&test.id);
        for (number, text) in variation_outputs(&cases) {
            let name = format!("{parent} [variation #{number}]");
            if let Some(entry) = entries.iter_mut().find(|entry| entry.name == name) {
                entry.output = Some(capped_output(&text));
            }
        }
    }
    let concept = entries
        .iter()
        .any(|entry| entry.task_id > 0 && !entry.name.contains("[variation"));
    for entry in &mut entries {
        entry.name = display_name(&entry.name, entry.task_id);
    }
    if concept {
        entries.sort_by(|a, b| (a.task_id, &a.name).cmp(&(b.task_id, &b.name)));
    } else {
        entries.sort_by_key(|entry| entry.task_id);
    }
    entries
}

/// One case of a subtest: an entry of its own when it has a message (two
/// with the same message share one), else part of its test's.
fn case(entries: &mut Vec<Entry>, test: &TestResult, parent: &str, ordered: &[&TestResult]) {
    let parent_name = raw_name(parent);
    let Some(parent_test) = ordered.iter().find(|other| other.id == parent) else {
        return;
    };
    let failed = test.status != TestStatus::Passed && test.status != TestStatus::Skipped;
    let message = test.message.as_deref().map(exception_text);
    let Some(msg) = test.case.as_deref() else {
        // The runner names it as its test: it fills that entry.
        if failed
            && let Some(entry) = entries
                .iter_mut()
                .find(|entry| entry.name == parent_name && entry.status == "pass")
        {
            entry.status = status(test);
            entry.message = message;
        }
        return;
    };
    let mut name = format!("{parent_name} [{msg}]");
    if let Some(cut) = name.find(" (") {
        name.truncate(cut);
    }
    let variation = msg.contains("variation");
    if failed
        && variation
        && let Some(entry) = entries.iter_mut().find(|entry| entry.name == parent_name)
    {
        entry.status = "fail";
        entry.message = Some(VARIATIONS_FAILED.to_owned());
    }
    if let Some(entry) = entries.iter_mut().find(|entry| entry.name == name) {
        if failed && entry.status == "pass" {
            entry.status = status(test);
            entry.message = message;
        }
        return;
    }
    entries.push(Entry {
        name,
        status: if failed { status(test) } else { "pass" },
        message: if failed { message } else { None },
        test_code: parent_test.exercism_code.clone().unwrap_or_default(),
        task_id: if variation {
            parent_test.task.unwrap_or(0)
        } else {
            0
        },
        // Set once every case is known (`variation_outputs`).
        output: None,
    });
}

/// What each variation of a failed test printed, as the runner tells
/// them apart: it reads the test's whole output, where pytest-subtests
/// wrote `u` after each failed case and `,` after each passed one, cuts it
/// at every newline followed by `u`, a leading `u` making an empty chunk,
/// and gives chunk `n` to variation `n` — so a case that failed without
/// printing shifts the later ones, and a passed case's output joins the
/// next chunk. Kept as the runner does it: its results are the reference.
fn variation_outputs(cases: &[&TestResult]) -> Vec<(usize, String)> {
    let mut stream = String::new();
    for case in cases {
        if let Some(output) = &case.output {
            stream.push_str(&output.text);
        }
        stream.push(if case.status == TestStatus::Passed {
            ','
        } else {
            'u'
        });
    }
    let mut captures: Vec<&str> = stream.split("\nu").collect();
    if let Some(first) = captures.first_mut() {
        *first = first.strip_prefix('u').unwrap_or(first);
    }
    let mut parsed = Vec::new();
    for item in captures {
        let rest = item.trim_start_matches('u');
        parsed.extend(std::iter::repeat_n(" ".to_owned(), item.len() - rest.len()));
        parsed.push(rest.to_owned());
    }
    parsed
        .into_iter()
        .enumerate()
        .map(|(index, text)| (index + 1, text))
        .collect()
}

/// Our note on a test whose cases failed (`python.rs`): the runner's
/// entry says it its own way, from the cases.
fn cases_note(message: &str) -> Option<&str> {
    let (first, rest) = message.split_once(" cases failed: ")?;
    let (failed, of) = first.split_once(" of ")?;
    (failed.parse::<u32>().is_ok() && of.parse::<u32>().is_ok()).then_some(rest)
}

/// A test's own verdict, its cases left out (they fill its entry as the
/// runner fills it).
fn own_status(test: &TestResult) -> &'static str {
    match test.message.as_deref().and_then(cases_note) {
        Some(rest) if !rest.contains("\n\n") => "pass",
        _ => status(test),
    }
}

fn own_message(test: &TestResult) -> Option<String> {
    if own_status(test) == "pass" {
        return None;
    }
    let Some(message) = test.message.as_deref() else {
        return Some(hidden_note(test.visibility));
    };
    let own = match cases_note(message) {
        Some(rest) => rest.split_once("\n\n").map_or(rest, |(_, own)| own),
        None => message,
    };
    Some(exception_text(own))
}

fn status(test: &TestResult) -> &'static str {
    match test.status {
        TestStatus::Passed | TestStatus::Skipped => "pass",
        TestStatus::Failed => "fail",
        TestStatus::Error => "error",
    }
}

/// pytest's name of a test (its id without the file, `::` as `.`):
/// `ExampleTest.test_hello`, `test_hello`, `test_x[1-2]`.
fn raw_name(id: &str) -> String {
    id.split("::").skip(1).collect::<Vec<_>>().join(".")
}

/// The name the runner shows: `ExampleTest.test_hello` as `Example >
/// hello` (at the last `Test.test_` with something before it), every `_`
/// a space, and `~` after a test with a task that is not a variation.
fn display_name(raw: &str, task_id: u32) -> String {
    const MARK: &str = "Test.test_";
    let mut name = match raw.rfind(MARK).filter(|&at| at > 0) {
        Some(at) => format!("{} > {}", &raw[..at], &raw[at + MARK.len()..]),
        None => raw.to_owned(),
    }
    .replace('_', " ");
    if task_id > 0 && !name.contains("[variation") {
        name.push('~');
    }
    name
}

/// A failure's exception text, as the runner gives it: the last exception
/// pytest showed (its last run of `E` lines) without the `E`, dedented as
/// `textwrap.dedent` does (lines of blanks emptied, trailing spaces kept);
/// a message of ours (a test not run, a time limit) as it is.
fn exception_text(message: &str) -> String {
    let is_e = |line: &&str| *line == "E" || line.starts_with("E ");
    let all: Vec<&str> = message.lines().collect();
    let Some(end) = all.iter().rposition(is_e) else {
        return without_container_paths(message);
    };
    let start = all[..end]
        .iter()
        .rposition(|line| !is_e(line))
        .map_or(0, |at| at + 1);
    let lines: Vec<&str> = all[start..=end]
        .iter()
        .map(|line| line.get(1..).unwrap_or_default())
        .collect();
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let text = lines
        .iter()
        .map(|line| {
            if line.trim().is_empty() {
                ""
            } else {
                line.get(indent..).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    without_container_paths(&text)
}

/// The top-level message when no test ran: ours, but for the runner's
/// own special case: a `lasagna` or `hello_world` test file whose import
/// failed shows the exception the test file raised about it (the track's
/// "MISSING FUNCTION" hints).
fn error_message(result: &GradeResult, message: &str) -> String {
    // The test files: the tests' (listed as not run), else the files the
    // message's traceback names.
    let named = |file: &str| file.contains("lasagna") || file.contains("hello_world");
    let special = result
        .tests
        .iter()
        .any(|test| named(test.id.split("::").next().unwrap_or_default()))
        || message
            .lines()
            .filter_map(|line| line.split_once(".py:").map(|(file, _)| file))
            .any(named);
    if special {
        // The last ImportError the message quotes, to where our own note
        // of the learner's traceback begins.
        let at = message
            .rfind("\nImportError")
            .map(|at| at + 1)
            .or_else(|| message.starts_with("ImportError").then_some(0));
        if let Some(at) = at {
            let text = &message[at..];
            let text = text.split("\nRaised in your code:").next().unwrap_or(text);
            return without_container_paths(text.trim_end_matches('\n'));
        }
    }
    without_container_paths(message)
}

/// Output as the runner keeps it: stripped, at most 500 characters, the
/// last 50 of them its notice where something was cut.
fn capped_output(text: &str) -> String {
    let text = without_container_paths(text.trim());
    if text.chars().count() <= OUTPUT_CAP {
        return text;
    }
    let keep = OUTPUT_CAP - TRUNCATION_NOTICE.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(TRUNCATION_NOTICE);
    cut
}

fn hidden_note(visibility: Visibility) -> String {
    match visibility {
        Visibility::Hidden => "hidden test: its details are not shown".to_owned(),
        Visibility::Visible => String::new(),
    }
}

/// `text` with the container's folder of the submission left out of its
/// paths: Exercism asks for paths relative to the solution.
fn without_container_paths(text: &str) -> String {
    text.replace(CONTAINER_DIR, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::TestSettings;
    use crate::result::Output;

    #[test]
    fn names_follow_the_runners_rules() {
        let check = |raw: &str, task: u32, expected: &str| {
            assert_eq!(display_name(raw, task), expected, "{raw}");
        };
        check("ExampleAllFailTest.test_hello", 0, "ExampleAllFail > hello");
        check(
            "ExampleAllFailTest.test_hello",
            2,
            "ExampleAllFail > hello~",
        );
        check("test_hello_world", 0, "test hello world");
        check("TestLasagna.test_x", 0, "TestLasagna.test x");
        check(
            "ExampleTest.test_hello [variation #1]",
            1,
            "Example > hello [variation #1]",
        );
        check("Test.test_x", 0, "Test.test x");
    }

    #[test]
    fn the_exception_text_is_the_e_lines_without_the_e() {
        let message = "tests/x_test.py:8: in test_hello\n    self.assertEqual(hello(), 'Hello')\n\
                       E   AssertionError: 'Goodbye!' != 'Hello, World!'\n\
                       E   - Goodbye!\nE   + Hello, World!\n\nRaised in your code:\n  File …";
        assert_eq!(
            exception_text(message),
            "AssertionError: 'Goodbye!' != 'Hello, World!'\n- Goodbye!\n+ Hello, World!"
        );
        let chained = "E   ImportError: cannot import name 'x'\n\nThe above exception was the direct \
                       cause of the following exception:\nt.py:25: in <module>\n    raise ImportError(…)\n\
                       E   ImportError: \nE   \nE   MISSING FUNCTION --> x() \nE   Did you forget it?";
        assert_eq!(
            exception_text(chained),
            "ImportError: \n\nMISSING FUNCTION --> x() \nDid you forget it?"
        );
        assert_eq!(
            exception_text("not run: the run stopped"),
            "not run: the run stopped"
        );
    }

    #[test]
    fn output_is_cut_to_500_characters_notice_included() {
        let long = "é".repeat(600);
        let cut = capped_output(&long);
        assert_eq!(cut.chars().count(), 500);
        assert!(cut.ends_with(TRUNCATION_NOTICE));
        assert_eq!(capped_output("  short \n"), "short");
        assert_eq!(capped_output(&"a".repeat(500)), "a".repeat(500));
    }

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
        assert_eq!(root["tests"], json!([]), "the runner lists no test then");
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
            root["message"],
            "the tests could not load your code:\nx.py:3: in <module>"
        );
        result.tests[0].status = TestStatus::Failed;
        result.error = None;
        result.settle();
        let root: Value = serde_json::from_str(&exercism(&result)).unwrap();
        assert_eq!(
            root["tests"][0]["message"],
            "ImportError: cannot import name 'x' (x.py)"
        );
    }
}
