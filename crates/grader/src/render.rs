//! A result for people: a table of tests with their points, what went wrong
//! under each failed one, the score at the bottom. Colours only when asked
//! (the CLI asks on a terminal).

use std::fmt::Write;

use owo_colors::{OwoColorize, Style};

use crate::exercise::Visibility;
use crate::result::{GradeResult, Status, TestStatus};

pub fn human(result: &GradeResult, color: bool) -> String {
    let paint = |text: &str, style: Style| {
        if color {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    };
    let green = Style::new().green();
    let red = Style::new().red();
    let yellow = Style::new().yellow();
    let dim = Style::new().dimmed();
    let bold = Style::new().bold();

    let mut out = String::new();
    let _ = writeln!(out, "{}", paint(&result.exercise, bold));
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
        let (mark, style) = match test.status {
            TestStatus::Passed => ("✓", green),
            TestStatus::Failed => ("✗", red),
            TestStatus::Error => ("!", red),
            TestStatus::Skipped => ("-", yellow),
        };
        let hidden = if test.visibility == Visibility::Hidden {
            "hidden"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} {:<width$}  {:<6}  {:>5}/{}",
            paint(mark, style),
            test.id,
            paint(hidden, dim),
            points(test.score),
            points(test.max_score),
        );
        if let Some(message) = &test.message {
            for line in message.trim_end().lines() {
                let _ = writeln!(out, "      {}", paint(line, dim));
            }
        }
        if let Some(output) = &test.output {
            let _ = writeln!(out, "      {}", paint("output:", dim));
            for line in output.text.trim_end().lines() {
                let _ = writeln!(out, "      | {line}");
            }
            if output.truncated {
                let _ = writeln!(out, "      | {}", paint("… (output cut)", dim));
            }
        }
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
            paint("could not grade", red),
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
        Status::Passed => ("passed", green),
        Status::Failed => ("failed", red),
        Status::Error => ("error", red),
    };
    let _ = writeln!(
        out,
        "{}: {}/{} points, {passed}/{} tests passed ({:.1}s)",
        paint(word, style.bold()),
        points(result.score),
        points(result.max_score),
        result.tests.len(),
        result.duration_ms as f64 / 1000.0,
    );
    out
}

fn points(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}
