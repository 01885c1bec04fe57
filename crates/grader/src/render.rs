//! A result for people: a table of tests with their points, what went wrong
//! under each failed one, the score at the bottom. Colours only when asked
//! (the CLI asks on a terminal).

use std::fmt::Write;

use owo_colors::{OwoColorize, Style};

use crate::exercise::Visibility;
use crate::result::{GradeResult, Status, TestStatus};

pub fn human(result: &GradeResult, color: bool) -> String {
    let paint = Paint { color };
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.text(&result.exercise, Style::new().bold()));
    let width = result
        .tests
        .iter()
        .map(|test| test.id.chars().count())
        .max()
        .unwrap_or(0)
        .min(100);
    if !result.tests.is_empty() {
        out.push('\n');
    }
    for test in &result.tests {
        test_rows(&mut out, test, width, paint);
    }
    out.push('\n');
    if let Some(error) = &result.error {
        let whose = if error.learner_fault {
            ""
        } else {
            " — not your fault, this attempt does not count"
        };
        let _ = writeln!(
            out,
            "{} ({}){whose}:",
            paint.text("could not grade", Style::new().red()),
            error.kind.as_str()
        );
        for line in error.message.lines() {
            let _ = writeln!(out, "  {line}");
        }
        out.push('\n');
    }
    let passed = result
        .tests
        .iter()
        .filter(|test| test.status == TestStatus::Passed)
        .count();
    let (word, style) = match result.status {
        Status::Passed => ("passed", Style::new().green()),
        Status::Failed => ("failed", Style::new().red()),
        Status::Error => ("error", Style::new().red()),
    };
    let _ = writeln!(
        out,
        "{}: {}/{} points, {passed}/{} tests passed ({:.1}s)",
        paint.text(word, style.bold()),
        points(result.score),
        points(result.max_score),
        result.tests.len(),
        result.duration_ms as f64 / 1000.0,
    );
    for hint in &result.hints {
        let mut lines = hint.trim().lines();
        if let Some(first) = lines.next() {
            let _ = writeln!(
                out,
                "{} {first}",
                paint.text("hint:", Style::new().yellow())
            );
        }
        for line in lines {
            let _ = writeln!(out, "      {line}");
        }
    }
    out
}

/// Colours, or plain text.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn text(self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    }
}

/// A test's line in the table, then its message and output under it.
fn test_rows(out: &mut String, test: &crate::result::TestResult, width: usize, paint: Paint) {
    let dim = Style::new().dimmed();
    let (mark, style) = match test.status {
        TestStatus::Passed => ("✓", Style::new().green()),
        TestStatus::Failed => ("✗", Style::new().red()),
        TestStatus::Error => ("!", Style::new().red()),
        TestStatus::Skipped => ("-", Style::new().yellow()),
    };
    let hidden = if test.visibility == Visibility::Hidden {
        "hidden"
    } else {
        ""
    };
    // Padded by the plain text's width: a painted one is longer by its
    // escape codes, which take no room on the screen.
    let _ = writeln!(
        out,
        "  {} {:<width$}  {}{}  {:>5}/{}",
        paint.text(mark, style),
        test.id,
        paint.text(hidden, dim),
        " ".repeat(6 - hidden.len()),
        points(test.score),
        points(test.max_score),
    );
    if let Some(message) = &test.message {
        for line in message.trim_end().lines() {
            let _ = writeln!(out, "      {}", paint.text(line, dim));
        }
    }
    if let Some(output) = &test.output {
        let _ = writeln!(out, "      {}", paint.text("output:", dim));
        for line in output.text.trim_end().lines() {
            let _ = writeln!(out, "      | {line}");
        }
        if output.truncated {
            let _ = writeln!(out, "      | {}", paint.text("… (output cut)", dim));
        }
    }
}

fn points(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::TestSettings;
    use crate::result::{Output, TestResult};

    /// `text` without its ANSI escape sequences (`ESC [ … letter`).
    fn strip(text: &str) -> String {
        let mut plain = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        plain
    }

    fn test(id: &str, visibility: Visibility, status: TestStatus) -> TestResult {
        let settings = TestSettings {
            points: 2.0,
            visibility,
            task: None,
            tags: Vec::new(),
        };
        TestResult::judged(id.to_owned(), id.to_owned(), settings, status, None, 0)
    }

    /// Regression: with colour on, the `hidden` column was padded by its
    /// length with escape codes, so hidden and visible rows' points did
    /// not line up.
    #[test]
    fn rows_line_up_with_colour_on() {
        let mut result = GradeResult::graded(
            "python/x",
            std::time::Duration::ZERO,
            vec![
                test(
                    "test_a.py::test_short",
                    Visibility::Visible,
                    TestStatus::Passed,
                ),
                test(
                    "test_b.py::test_a_longer_name",
                    Visibility::Hidden,
                    TestStatus::Failed,
                ),
                test(
                    "test_a.py::test_mid",
                    Visibility::Visible,
                    TestStatus::Failed,
                ),
                test("test_b.py::test_x", Visibility::Hidden, TestStatus::Passed),
            ],
            Output::head(String::new(), 10, false),
        );
        result.settle();
        let painted = human(&result, true);
        assert!(painted.contains('\u{1b}'), "colour is on: {painted:?}");
        let plain = strip(&painted);
        let rows: Vec<&str> = plain.lines().filter(|line| line.contains("::")).collect();
        assert_eq!(rows.len(), 4, "{plain}");
        let column = |row: &str, what: &str| row.find(what).map(|at| row[..at].chars().count());
        let slashes: Vec<_> = rows.iter().map(|row| column(row, "/")).collect();
        assert!(slashes.iter().all(|at| *at == slashes[0]), "{plain}");
        let hidden: Vec<_> = rows
            .iter()
            .filter_map(|row| column(row, "hidden"))
            .collect();
        assert_eq!(hidden.len(), 2, "{plain}");
        assert_eq!(hidden[0], hidden[1], "{plain}");
        // And the same table as without colour.
        assert_eq!(plain, human(&result, false));
    }
}
