//! JUnit XML, the format CI dashboards read. The one writer for both of
//! its uses: `grader check` (a `<testsuites>` with a `<testsuite>` per
//! exercise and a `<testcase>` per check) and a result (one `<testsuite>`,
//! a `<testcase>` per test).
//!
//! Learner output reaches it, so nothing is written as it came: quick-xml
//! escapes markup, and [`xml_text`] first drops what XML 1.0 cannot hold
//! at all, even escaped (NUL, ESC and the other C0 controls but tab,
//! newline and carriage return; U+FFFE and U+FFFF). Rust strings hold no
//! lone surrogates, the only other characters XML refuses.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::check::ExerciseCheck;
use crate::exercise::Visibility;
use crate::result::{GradeResult, TestStatus};

/// `grader check` as JUnit XML.
pub fn checks(checks: &[ExerciseCheck]) -> String {
    let suites: Vec<Suite> = checks
        .iter()
        .map(|check| Suite {
            name: check.exercise.clone(),
            time: check.duration.as_secs_f64(),
            cases: check
                .findings
                .iter()
                .map(|finding| Case {
                    name: finding.subject.clone(),
                    classname: check.exercise.clone(),
                    time: None,
                    verdict: if finding.ok {
                        Verdict::Passed
                    } else {
                        Verdict::Failure {
                            message: finding
                                .message
                                .lines()
                                .next()
                                .unwrap_or_default()
                                .to_owned(),
                            text: finding.message.clone(),
                        }
                    },
                    // A warning that held: said, not failed.
                    system_out: (finding.ok && finding.warning)
                        .then(|| format!("warning: {}", finding.message)),
                })
                .collect(),
        })
        .collect();
    let mut writer = document();
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "grader check"));
    push_counts(&mut root, suites.iter().flat_map(|suite| &suite.cases));
    let time: f64 = suites.iter().map(|suite| suite.time).sum();
    root.push_attribute(("time", format!("{time:.3}").as_str()));
    write(&mut writer, Event::Start(root));
    for suite in &suites {
        write_suite(&mut writer, suite);
    }
    write(&mut writer, Event::End(BytesEnd::new("testsuites")));
    finish(writer)
}

/// A result as JUnit XML: a `<testcase>` per test (a hidden test's reason
/// is whatever the view it is given keeps), and one named `grading` for
/// an error that stopped the grading.
pub fn result(result: &GradeResult) -> String {
    let mut cases: Vec<Case> = result
        .tests
        .iter()
        .map(|test| {
            let message = test
                .message
                .clone()
                .unwrap_or_else(|| match test.visibility {
                    Visibility::Hidden => "hidden test: its details are not shown".to_owned(),
                    Visibility::Visible => String::new(),
                });
            // The assertion's own line says more than the traceback's first.
            let first = message
                .lines()
                .find_map(|line| line.strip_prefix("E   "))
                .or_else(|| message.lines().next())
                .unwrap_or_default()
                .trim()
                .to_owned();
            Case {
                name: test.name.clone(),
                classname: test.id.split("::").next().unwrap_or_default().to_owned(),
                time: Some(test.duration_ms as f64 / 1000.0),
                verdict: match test.status {
                    TestStatus::Passed => Verdict::Passed,
                    TestStatus::Failed => Verdict::Failure {
                        message: first,
                        text: message,
                    },
                    TestStatus::Error => Verdict::Error {
                        kind: None,
                        message: first,
                        text: message,
                    },
                    TestStatus::Skipped => Verdict::Skipped { message: first },
                },
                system_out: test.output.as_ref().map(|output| output.text.clone()),
            }
        })
        .collect();
    if let Some(error) = &result.error {
        cases.push(Case {
            name: "grading".to_owned(),
            classname: result.exercise.clone(),
            time: None,
            verdict: Verdict::Error {
                kind: Some(error.kind.as_str().to_owned()),
                message: error.message.clone(),
                text: String::new(),
            },
            system_out: None,
        });
    }
    let suite = Suite {
        name: result.exercise.clone(),
        time: result.duration_ms as f64 / 1000.0,
        cases,
    };
    let mut writer = document();
    write_suite(&mut writer, &suite);
    finish(writer)
}

/// `text` without the characters XML 1.0 cannot hold.
pub fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    let legal = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.chars().all(legal) {
        text.into()
    } else {
        text.chars()
            .filter(|&c| legal(c))
            .collect::<String>()
            .into()
    }
}

struct Suite {
    name: String,
    time: f64,
    cases: Vec<Case>,
}

struct Case {
    name: String,
    classname: String,
    time: Option<f64>,
    verdict: Verdict,
    system_out: Option<String>,
}

enum Verdict {
    Passed,
    Failure {
        message: String,
        text: String,
    },
    Error {
        /// The `type` attribute.
        kind: Option<String>,
        message: String,
        text: String,
    },
    Skipped {
        message: String,
    },
}

fn document() -> Writer<Vec<u8>> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(
        &mut writer,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    writer
}

fn finish(writer: Writer<Vec<u8>>) -> String {
    let mut xml = String::from_utf8(writer.into_inner()).expect("only UTF-8 is written");
    xml.push('\n');
    xml
}

/// Writes `event`: into a `Vec`, which cannot fail.
fn write(writer: &mut Writer<Vec<u8>>, event: Event<'_>) {
    writer
        .write_event(event)
        .expect("writing to memory does not fail");
}

/// An element with `attributes`, each value cleaned and escaped.
fn element<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for (key, value) in attributes {
        start.push_attribute((*key, xml_text(value).as_ref()));
    }
    start
}

/// `tests`, `failures`, `errors` and `skipped` of `cases`.
fn push_counts<'a>(start: &mut BytesStart<'_>, cases: impl Iterator<Item = &'a Case> + Clone) {
    let count = |wanted: fn(&Verdict) -> bool| {
        cases
            .clone()
            .filter(|case| wanted(&case.verdict))
            .count()
            .to_string()
    };
    start.push_attribute(("tests", count(|_| true).as_str()));
    start.push_attribute((
        "failures",
        count(|verdict| matches!(verdict, Verdict::Failure { .. })).as_str(),
    ));
    start.push_attribute((
        "errors",
        count(|verdict| matches!(verdict, Verdict::Error { .. })).as_str(),
    ));
    start.push_attribute((
        "skipped",
        count(|verdict| matches!(verdict, Verdict::Skipped { .. })).as_str(),
    ));
}

fn write_suite(writer: &mut Writer<Vec<u8>>, suite: &Suite) {
    let mut start = element("testsuite", &[("name", &suite.name)]);
    push_counts(&mut start, suite.cases.iter());
    start.push_attribute(("time", format!("{:.3}", suite.time).as_str()));
    write(writer, Event::Start(start));
    for case in &suite.cases {
        write_case(writer, case);
    }
    write(writer, Event::End(BytesEnd::new("testsuite")));
}

fn write_case(writer: &mut Writer<Vec<u8>>, case: &Case) {
    let time = case.time.map(|time| format!("{time:.3}"));
    let mut attributes = vec![
        ("name", case.name.as_str()),
        ("classname", case.classname.as_str()),
    ];
    if let Some(time) = &time {
        attributes.push(("time", time));
    }
    let start = element("testcase", &attributes);
    if matches!(case.verdict, Verdict::Passed) && case.system_out.is_none() {
        write(writer, Event::Empty(start));
        return;
    }
    write(writer, Event::Start(start));
    match &case.verdict {
        Verdict::Passed => {}
        Verdict::Failure { message, text } => {
            text_element(writer, element("failure", &[("message", message)]), text);
        }
        Verdict::Error {
            kind,
            message,
            text,
        } => {
            let mut attributes = Vec::new();
            if let Some(kind) = kind {
                attributes.push(("type", kind.as_str()));
            }
            attributes.push(("message", message.as_str()));
            text_element(writer, element("error", &attributes), text);
        }
        Verdict::Skipped { message } => {
            write(
                writer,
                Event::Empty(element("skipped", &[("message", message)])),
            );
        }
    }
    if let Some(output) = &case.system_out {
        text_element(writer, BytesStart::new("system-out"), output);
    }
    write(writer, Event::End(BytesEnd::new("testcase")));
}

/// `start`, then `text` (cleaned and escaped) and its end; empty when
/// `text` is.
fn text_element(writer: &mut Writer<Vec<u8>>, start: BytesStart<'_>, text: &str) {
    if text.is_empty() {
        write(writer, Event::Empty(start));
        return;
    }
    let end = start.to_end().into_owned();
    write(writer, Event::Start(start));
    write(writer, Event::Text(BytesText::new(&xml_text(text))));
    write(writer, Event::End(end));
}

#[cfg(test)]
mod tests {
    use quick_xml::Reader;

    use super::*;
    use crate::result::{GradeResult, Output, TestResult};

    /// Every text of `xml`, read back by an XML parser; a parse error fails.
    fn texts(xml: &str) -> Vec<String> {
        let mut reader = Reader::from_str(xml);
        let mut texts = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Text(text)) => texts.push(text.decode().unwrap().into_owned()),
                Ok(Event::GeneralRef(reference)) => {
                    let name = reference.decode().unwrap();
                    let entity = quick_xml::escape::resolve_predefined_entity(&name);
                    texts.push(entity.expect("only the predefined entities").to_owned());
                }
                Ok(Event::Start(start) | Event::Empty(start)) => {
                    for attribute in start.attributes() {
                        let attribute = attribute.unwrap();
                        texts.push(attribute.unescape_value().unwrap().into_owned());
                    }
                }
                Ok(_) => {}
                Err(error) => panic!("not XML: {error} at {}\n{xml}", reader.buffer_position()),
            }
        }
        texts
    }

    /// Regression: learner output holding ESC or NUL went into JUnit as it
    /// was, which no XML parser accepts.
    #[test]
    fn esc_and_nul_in_a_message_and_output_are_dropped_and_the_rest_kept() {
        let settings = crate::exercise::TestSettings {
            points: 1.0,
            visibility: Visibility::Visible,
            task: None,
            tags: Vec::new(),
        };
        let mut test = TestResult::judged(
            "test_colour.py::test_red".to_owned(),
            "test_red".to_owned(),
            settings,
            TestStatus::Failed,
            Some("E   assert '\u{1b}[31mred\u{1b}[0m' == 'red\u{0}'".to_owned()),
            12,
        );
        test.output = Some(Output {
            text: "\u{1b}[1mbold\u{1b}[0m\u{0} & <tag>\ttab\r\n".to_owned(),
            truncated: false,
        });
        let mut result = GradeResult::graded(
            "python/colour",
            std::time::Duration::from_millis(20),
            vec![test],
            Output::head(String::new(), 10, false),
        );
        result.settle();
        let xml = super::result(&result);
        assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'), "{xml}");
        let texts = texts(&xml).concat();
        assert!(texts.contains("assert '[31mred[0m' == 'red'"), "{texts}");
        assert!(texts.contains("[1mbold[0m & <tag>\ttab"), "{texts}");
    }

    #[test]
    fn a_check_finding_with_control_characters_parses() {
        let check = ExerciseCheck {
            exercise: "python/x\u{7}".to_owned(),
            findings: vec![crate::check::Finding {
                warning: false,
                subject: "reference".to_owned(),
                ok: false,
                message: "got \u{1b}[31mred\u{0}\nsecond line".to_owned(),
            }],
            duration: std::time::Duration::from_millis(5),
        };
        let texts = texts(&checks(&[check])).concat();
        assert!(texts.contains("got [31mred\nsecond line"), "{texts}");
        assert!(texts.contains("python/x"), "{texts}");
    }

    #[test]
    fn xml_text_keeps_tab_newline_and_carriage_return() {
        assert_eq!(xml_text("a\tb\nc\rd"), "a\tb\nc\rd");
        assert_eq!(xml_text("a\u{0}b\u{1b}c\u{fffe}d"), "abcd");
    }
}
