//! What learners and authors write reaches parsers and writers: exercise.yaml,
//! api case files, learner SQL, the rows a query returned, and the text a
//! result carries into JUnit, Exercism and Gradescope. Fed anything, each
//! must answer with a value or a clear refusal — never a panic, never a
//! document its reader cannot parse, never unbounded work.

use grader::exercise;
use grader::result::{Output, TestResult, TestStatus};
use grader::sql::compare::{Rows, Rules, Value, compare};
use grader::sql::statement::{check_query, statements};
use grader::{GradeResult, Status, View};
use proptest::prelude::*;

use crate::support::root;

/// A real exercise.yaml, the seed of the mutated ones.
fn seed_yaml() -> String {
    std::fs::read_to_string(root().join("exercises/python/fizzbuzz/exercise.yaml")).unwrap()
}

/// `text` with `edits` applied: each deletes a span, inserts a piece of
/// YAML's own syntax or duplicates a line, at a position taken modulo the
/// text's length (at a character boundary).
fn mutated(text: &str, edits: &[(usize, u8, String)]) -> String {
    let mut text = text.to_owned();
    for (at, op, piece) in edits {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        match op % 3 {
            0 => {
                let mut end = (at + piece.len()).min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.replace_range(at..end, "");
            }
            1 => text.insert_str(at, piece),
            _ => {
                let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
                let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
                let line = text[start..end].to_owned();
                text.insert_str(start, &line);
            }
        }
    }
    text
}

/// Pieces of YAML syntax an edit inserts.
fn yaml_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(": ".to_owned()),
        Just("- ".to_owned()),
        Just("\n  ".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("!!binary ".to_owned()),
        Just("{".to_owned()),
        Just("[".to_owned()),
        Just("'".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        Just("<<: *a\n".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("-1".to_owned()),
        Just("1e308".to_owned()),
        "[ -~]{0,12}",
    ]
}

/// Pieces of SQL's lexical syntax: quotes, dollar quotes, comments,
/// separators and words, so the generated text walks the lexer's states.
fn sql_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("'".to_owned()),
        Just("''".to_owned()),
        Just("\"".to_owned()),
        Just("$$".to_owned()),
        Just("$tag$".to_owned()),
        Just("$1".to_owned()),
        Just("E'\\''".to_owned()),
        Just("--".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just(";".to_owned()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just("\\".to_owned()),
        Just("SELECT".to_owned()),
        Just("WITH".to_owned()),
        Just("INSERT".to_owned()),
        Just("DELETE".to_owned()),
        Just("pg_sleep(1)".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        "[a-z0-9_]{1,6}",
        ".{1,3}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Real),
        "-?[0-9]{1,8}\\.[0-9]{0,4}".prop_map(Value::Decimal),
        ".{0,8}".prop_map(Value::Text),
        any::<bool>().prop_map(Value::Bool),
        "[0-9a-f]{0,8}".prop_map(Value::Bytes),
    ]
}

fn rows() -> impl Strategy<Value = Rows> {
    (1usize..4)
        .prop_flat_map(|width| {
            (
                proptest::collection::vec("[a-z]{1,4}", width),
                proptest::collection::vec(
                    proptest::collection::vec(proptest::option::of(value()), width),
                    0..12,
                ),
                any::<bool>(),
            )
        })
        .prop_map(|(columns, rows, more)| Rows {
            columns,
            rows,
            more,
        })
}

fn rules() -> impl Strategy<Value = Rules> {
    (any::<bool>(), any::<bool>(), 0.0f64..1.0, any::<bool>()).prop_map(
        |(ordered, column_names, tolerance, coerce)| Rules {
            ordered,
            column_names,
            tolerance,
            coerce,
        },
    )
}

/// Text a learner's code could print or raise: control characters (ESC,
/// NUL, form feed), XML's own syntax, non-characters, anything.
fn hostile_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("\u{1b}[31m".to_owned()),
            Just("\0".to_owned()),
            Just("\u{c}".to_owned()),
            Just("\u{fffe}".to_owned()),
            Just("]]>".to_owned()),
            Just("<!--".to_owned()),
            Just("&amp;".to_owned()),
            Just("\r\n".to_owned()),
            ".{0,40}",
        ],
        0..20,
    )
    .prop_map(|pieces| pieces.concat())
}

fn test_result() -> impl Strategy<Value = TestResult> {
    (
        hostile_text(),
        hostile_text(),
        proptest::option::of(hostile_text()),
        proptest::option::of(hostile_text()),
        any::<bool>(),
        0usize..4,
    )
        .prop_map(|(id, name, message, output, hidden, status)| {
            let status = [
                TestStatus::Passed,
                TestStatus::Failed,
                TestStatus::Error,
                TestStatus::Skipped,
            ][status];
            TestResult {
                id: format!("test_x.py::{id}"),
                name,
                status,
                score: if status == TestStatus::Passed {
                    1.0
                } else {
                    0.0
                },
                max_score: 1.0,
                visibility: if hidden {
                    exercise::Visibility::Hidden
                } else {
                    exercise::Visibility::Visible
                },
                task: None,
                tags: Vec::new(),
                message,
                output: output.map(|text| Output::head(text, 2000, false)),
                duration_ms: 1,
                line: Some(1),
                code: None,
                exercism_code: None,
                case: None,
                parent: None,
            }
        })
}

fn grade_result() -> impl Strategy<Value = GradeResult> {
    (
        proptest::collection::vec(test_result(), 0..8),
        any::<bool>(),
    )
        .prop_map(|(mut tests, learner)| {
            // Ids are unique in a result.
            for (index, test) in tests.iter_mut().enumerate() {
                test.id = format!("{}#{index}", test.id);
            }
            let score = tests.iter().map(|test| test.score).sum();
            let max_score = tests.iter().map(|test| test.max_score).sum();
            let result = GradeResult {
                version: grader::result::RESULT_VERSION,
                exercise: "python/fizzbuzz".to_owned(),
                status: if score == max_score {
                    Status::Passed
                } else {
                    Status::Failed
                },
                error: None,
                score,
                max_score,
                duration_ms: 5,
                view: View::Author,
                tests,
                log: None,
                hints: Vec::new(),
            };
            if learner {
                result.for_view(View::Learner)
            } else {
                result
            }
        })
}

/// Every event of `xml`, as an XML parser reads it; the first error fails.
fn parse_xml(xml: &str) -> Result<usize, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(events),
            Ok(quick_xml::events::Event::Text(text)) => {
                let text = text.decode().map_err(|error| error.to_string())?;
                if let Some(bad) = text.chars().find(|&c| !xml_char(c)) {
                    return Err(format!("text holds {bad:?}"));
                }
                events += 1;
            }
            Ok(_) => events += 1,
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// A character XML 1.0 allows.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// exercise.yaml with random edits: a value or an error that says
    /// something, never a panic.
    #[test]
    fn a_mutated_exercise_yaml_parses_or_is_refused_with_a_message(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), yaml_piece()), 1..6),
    ) {
        let text = mutated(&seed_yaml(), &edits);
        if let Err(message) = exercise::parse(&text) {
            prop_assert!(!message.trim().is_empty(), "an empty refusal of {text:?}");
        }
    }

    /// An api case file with random edits, loaded as the grader loads it.
    #[test]
    fn a_mutated_case_file_loads_or_is_refused_with_messages(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), yaml_piece()), 1..6),
    ) {
        let seed = std::fs::read_to_string(
            root().join("exercises/api/notes-crud/tests/visible.yaml"),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tests")).unwrap();
        let path = dir.path().join("tests/cases.yaml");
        std::fs::write(&path, mutated(&seed, &edits)).unwrap();
        if let Err(messages) = grader::api::cases::load(dir.path(), "cases.yaml") {
            prop_assert!(!messages.is_empty());
            prop_assert!(messages.iter().all(|message| !message.trim().is_empty()));
        }
    }

    /// Learner SQL, lexed before anything runs: statements or a refusal.
    /// The words it finds are lowercased (so a keyword check cannot be
    /// dodged by case), and a query it accepts is one statement.
    #[test]
    fn learner_sql_is_split_or_refused_without_panic(
        pieces in proptest::collection::vec(sql_piece(), 0..40),
    ) {
        let sql = pieces.concat();
        if let Ok(split) = statements(&sql) {
            for word in split.iter().flatten() {
                prop_assert_eq!(word, &word.to_lowercase());
            }
        }
        if check_query(&sql).is_ok() {
            prop_assert_eq!(statements(&sql).map(|split| split.len()).ok(), Some(1));
        }
    }

    /// Rows compare equal to themselves under every rule, and comparing
    /// any two never panics.
    #[test]
    fn rows_compare_without_panic_and_equal_themselves(
        expected in rows(),
        actual in rows(),
        rules in rules(),
    ) {
        let _ = compare(&expected, &actual, &rules);
        prop_assert!(
            compare(&expected, &expected, &rules).is_ok(),
            "{:?}",
            compare(&expected, &expected, &rules)
        );
    }

    /// What the harness sent as rows is decoded or refused, never a panic.
    #[test]
    fn any_json_is_decoded_as_rows_or_refused(text in ".{0,200}") {
        let _ = serde_json::from_str::<Rows>(&text);
    }

    /// The JUnit writer's document parses as XML and holds only
    /// characters XML allows, whatever the tests printed.
    #[test]
    fn junit_of_any_result_is_well_formed_xml(result in grade_result()) {
        let xml = grader::junit::result(&result);
        prop_assert!(parse_xml(&xml).is_ok(), "{:?}\n{xml}", parse_xml(&xml));
    }

    /// Exercism's results.json: valid JSON, one entry per test, output
    /// at most 500 characters plus the interface's notice.
    #[test]
    fn exercism_of_any_result_is_valid_json_within_the_output_cap(result in grade_result()) {
        let json: serde_json::Value =
            serde_json::from_str(&grader::export::exercism(&result)).unwrap();
        let tests = json["tests"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(tests, result.tests.len());
        for test in json["tests"].as_array().into_iter().flatten() {
            if let Some(output) = test["output"].as_str() {
                prop_assert!(output.chars().count() <= 600, "{output:?}");
            }
        }
    }

    /// Gradescope's results.json: valid JSON, a hidden test never shown
    /// to learners.
    #[test]
    fn gradescope_of_any_result_is_valid_json_and_hides_hidden_tests(result in grade_result()) {
        let json: serde_json::Value =
            serde_json::from_str(&grader::export::gradescope(&result)).unwrap();
        for (test, exported) in result.tests.iter().zip(json["tests"].as_array().into_iter().flatten()) {
            if test.visibility == exercise::Visibility::Hidden {
                prop_assert_eq!(exported["visibility"].as_str(), Some("hidden"));
            }
        }
    }
}

/// Nine levels of ten aliases each: 10⁹ nodes if expanded.
fn alias_bomb(indent: &str) -> String {
    let mut text = format!("{indent}a0: &a0 [\"lol\"]\n");
    for level in 1..10 {
        let list = vec![format!("*a{}", level - 1); 10].join(", ");
        text.push_str(&format!("{indent}a{level}: &a{level} [{list}]\n"));
    }
    text
}

/// exercise.yaml has no field that takes any value: the bomb's first key
/// is refused before anything is expanded.
#[test]
fn an_alias_bomb_in_exercise_yaml_is_refused_unexpanded() {
    let error = exercise::parse(&alias_bomb("")).unwrap_err();
    assert!(error.contains("a0"), "{error}");
}

/// A request's `json` body takes any value, so there the bomb is read:
/// serde-saphyr's budget (250,000 nodes) refuses it instead of expanding 10⁹.
#[test]
fn an_alias_bomb_in_a_case_files_json_body_is_refused_unexpanded() {
    let text = format!(
        "version: 1\nscenarios:\n  - name: bomb\n    steps:\n      - request:\n          \
         method: POST\n          path: /x\n          json:\n{}        expect: {{status: 200}}\n",
        alias_bomb("            ")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/cases.yaml"), &text).unwrap();
    let messages = grader::api::cases::load(dir.path(), "cases.yaml").unwrap_err();
    assert!(
        messages.iter().any(|message| message.contains("budget")),
        "{messages:?}\n{text}"
    );
}

/// Writes, through the harness's own report channel
/// (`runner-images/common/grader_channel.py`, on the host's python3),
/// `noise` bytes and then a `collected` event whose test name is made of
/// the code points given, and a `done`.
const CHANNEL_SCRIPT: &str = r#"
import json, os, sys
sys.path.insert(0, sys.argv[1])
from grader_channel import Channel
job = json.loads(sys.stdin.read())
os.write(1, bytes(job["noise"]))
name = "".join(chr(point) for point in job["points"])
channel = Channel(1, job["key"])
channel.emit({"event": "collected", "tests": [{"id": "t.py::x", "file": "t.py", "name": name}]})
channel.emit({"event": "done", "exit_code": 0})
"#;

/// A code point of any kind, surrogates and NUL included.
fn any_code_point() -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..0x80,
        0xd800u32..0xe000,
        Just(0u32),
        0x80u32..0x11_0000,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Regression (issue 24): a lone surrogate in a learner's text made a
    /// signed line the host's JSON parser refused, and the grading `infra`.
    /// Whatever code points a learner's text holds, and whatever bytes are
    /// on the pipe before the line (not UTF-8 among them), the harness's
    /// line reads back whole, each surrogate as U+FFFD.
    #[test]
    fn the_report_channel_carries_any_text_the_host_can_read(
        points in proptest::collection::vec(any_code_point(), 0..40),
        noise in proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..40),
    ) {
        let key = grader::channel::Key::new();
        let job = serde_json::json!({ "key": key.as_str(), "points": points, "noise": noise });
        let mut child = std::process::Command::new("python3")
            .args(["-I", "-c", CHANNEL_SCRIPT])
            .arg(root().join("runner-images/common"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs the harness's channel module (ci/packages.txt)");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(job.to_string().as_bytes()).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        prop_assert!(output.status.success());
        let report = grader::report::Report::parse(&output.stdout, &key);
        prop_assert!(report.defects.is_empty(), "{:?}", report.defects);
        prop_assert_eq!(report.exit_code, Some(0));
        let expected: String = points
            .iter()
            .map(|&point| char::from_u32(point).unwrap_or('\u{fffd}'))
            .collect();
        let collected = report.collected.unwrap();
        prop_assert_eq!(&collected[0].name, &expected);
    }
}
