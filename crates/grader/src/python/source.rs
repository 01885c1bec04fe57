//! A python test's code, cut by the grader out of the exercise's own test
//! file.
//!
//! The harness reports where each test's body is as line numbers only
//! (`grader_pytest.py`, the `collected` event): its report passes where
//! learner code runs, so a hidden test's source must never travel in it.
//! The grader holds the test files; it cuts two texts from them:
//!
//! - the test's `code` in a result: its body without the `def` line and the
//!   docstring, with the comments just above its first statement, dedented;
//! - Exercism's `test_code`, cut as Exercism's own Python test runner cuts
//!   it: from the line after `def` to one line past the start of the last
//!   statement, the docstring kept, dedented one space at a time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::report::CollectedTest;

/// Bytes kept of a test's code.
const CODE_CAP: usize = 8192;

/// The exercise's test files, read once each, on first use.
#[derive(Debug)]
pub struct TestSources {
    dir: PathBuf,
    files: HashMap<String, Option<Vec<String>>>,
}

impl TestSources {
    /// The test files under `dir` (the exercise's `tests/`).
    pub fn new(dir: &Path) -> TestSources {
        TestSources {
            dir: dir.to_owned(),
            files: HashMap::new(),
        }
    }

    fn lines(&mut self, test: &CollectedTest) -> Option<&[String]> {
        let file = test.id.split("::").next()?.to_owned();
        let dir = &self.dir;
        self.files
            .entry(file)
            .or_insert_with_key(|file| {
                let bytes = crate::fsread::read_in(
                    dir,
                    Path::new(file),
                    crate::exercise::MAX_EXERCISE_FILE,
                )
                .ok()?;
                Some(
                    String::from_utf8_lossy(&bytes)
                        .lines()
                        .map(str::to_owned)
                        .collect(),
                )
            })
            .as_deref()
    }

    /// The test's body, for a result's `code`.
    pub fn code(&mut self, test: &CollectedTest) -> Option<String> {
        let (first, last, column) = test.body?;
        body(self.lines(test)?, first, last, column)
    }

    /// The test's code as Exercism's test runner cuts it.
    pub fn exercism_code(&mut self, test: &CollectedTest) -> Option<String> {
        let (line, last) = (test.line?, test.last?);
        exercism(self.lines(test)?, line, last)
    }
}

/// Lines `first..=last` (1-based), the first from byte `column`, dedented,
/// without blank lines at either end.
fn body(lines: &[String], first: u32, last: u32, column: u32) -> Option<String> {
    let (first, last) = (first as usize, last as usize);
    if first == 0 || first > last || last > lines.len() {
        return None;
    }
    let mut cut: Vec<&str> = lines[first - 1..last].iter().map(String::as_str).collect();
    cut[0] = cut[0].get(column as usize..).unwrap_or(cut[0]);
    let text = dedent(&cut).join("\n");
    Some(capped(text.trim_matches('\n')))
}

/// Exercism's cut: the lines after the `def` line through the one after
/// the last statement's first, the last dropped if empty, then one space
/// of indentation off every non-empty line while all have one.
fn exercism(lines: &[String], def_line: u32, last_statement: u32) -> Option<String> {
    let from = def_line as usize;
    let to = (last_statement as usize + 1).min(lines.len());
    if from >= to {
        return None;
    }
    let mut cut: Vec<&str> = lines[from..to].iter().map(String::as_str).collect();
    if cut.last().is_some_and(|line| line.is_empty()) {
        cut.pop();
    }
    while cut.iter().any(|line| !line.is_empty())
        && cut
            .iter()
            .filter(|line| !line.is_empty())
            .all(|line| line.starts_with(' '))
    {
        cut = cut
            .into_iter()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
    }
    Some(capped(&cut.join("\n")))
}

/// `textwrap.dedent`: the whitespace every non-blank line starts with,
/// taken off; blank lines emptied.
fn dedent<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let indent = |line: &'a str| &line[..line.len() - line.trim_start().len()];
    let common = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| indent(line))
        .reduce(|common, next| {
            let shared = common
                .char_indices()
                .zip(next.chars())
                .find(|((_, a), b)| a != b)
                .map_or(common.len().min(next.len()), |((at, _), _)| at);
            &common[..shared]
        })
        .unwrap_or("");
    lines
        .iter()
        .map(|line| {
            if line.trim().is_empty() {
                ""
            } else {
                &line[common.len()..]
            }
        })
        .collect()
}

fn capped(text: &str) -> String {
    if text.len() <= CODE_CAP {
        return text.to_owned();
    }
    let mut end = CODE_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    const FILE: &str = "\
import unittest


class CartTest(unittest.TestCase):
    def test_total(self):
        \"\"\"The total of a cart.\"\"\"
        # Two items.
        cart = [1, 2]
        for item in cart:
            self.assertEqual(
                item,
                item,
            )

    def test_one_line(self): self.assertTrue(True)
";

    #[test]
    fn the_body_leaves_out_the_def_and_docstring_and_keeps_comments_above() {
        let file = lines(FILE);
        let code = body(&file, 7, 13, 0).unwrap();
        assert_eq!(
            code,
            "# Two items.\ncart = [1, 2]\nfor item in cart:\n    self.assertEqual(\n        item,\n        item,\n    )"
        );
    }

    #[test]
    fn a_one_line_test_is_cut_from_its_statements_column() {
        let file = lines(FILE);
        assert_eq!(
            body(&file, 15, 15, 29).as_deref(),
            Some("self.assertTrue(True)")
        );
    }

    #[test]
    fn exercism_keeps_the_docstring_and_ends_a_line_past_the_last_statements_start() {
        let file = lines(FILE);
        // `def` on line 5; the last statement (in the `for`) starts on 10.
        assert_eq!(
            exercism(&file, 5, 10).as_deref(),
            Some(
                "\"\"\"The total of a cart.\"\"\"\n# Two items.\ncart = [1, 2]\nfor item in cart:\n    self.assertEqual(\n        item,"
            )
        );
    }

    #[test]
    fn bad_line_numbers_give_no_code_rather_than_a_panic() {
        let file = lines(FILE);
        assert_eq!(body(&file, 0, 3, 0), None);
        assert_eq!(body(&file, 9, 3, 0), None);
        assert_eq!(body(&file, 3, 999, 0), None);
        assert_eq!(exercism(&file, 999, 1000), None);
        assert_eq!(
            body(&file, 15, 15, 9999).as_deref(),
            Some("def test_one_line(self): self.assertTrue(True)")
        );
    }
}
