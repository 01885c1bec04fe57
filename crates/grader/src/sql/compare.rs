//! Comparing a submission's rows with the reference's, on the host.
//!
//! The rules, each an exercise setting (`sql.compare`):
//! - rows are a multiset (duplicates count) unless `ordered`;
//! - column names are compared, case-insensitively, unless `column_names`
//!   is false; the number of columns always is;
//! - NULL equals NULL and nothing else (not the empty string, not 0);
//! - numbers (integer, real, decimal) equal each other within `tolerance`;
//! - a number never equals text (or a boolean) unless `coerce`, which
//!   compares their text.
//!
//! A mismatch comes with a short, readable account: row counts, column
//! names, and the first rows that differ.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// Rows shown in a mismatch's account, of each kind.
const SHOWN_ROWS: usize = 5;
/// Above this many rows, the unordered comparison does not search for a
/// match row by row after the sorted walk fails.
const SEARCH_LIMIT: usize = 2000;

/// One cell; `None` in a row is SQL NULL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    Int(i64),
    Real(f64),
    /// Exact numbers as the engine printed them (`12.50`).
    Decimal(String),
    Text(String),
    Bool(bool),
    /// Hex.
    Bytes(String),
}

pub type Cell = Option<Value>;

/// What a statement returned.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// More rows came than were kept.
    #[serde(default)]
    pub more: bool,
}

pub use crate::spec::sql::Rules;

/// Compares `actual` with `expected`; the error is the account for the
/// learner.
pub fn compare(expected: &Rows, actual: &Rows, rules: &Rules) -> Result<(), String> {
    if expected.columns.len() != actual.columns.len() {
        return Err(format!(
            "expected {} column{} ({}), got {} ({})",
            expected.columns.len(),
            plural(expected.columns.len()),
            expected.columns.join(", "),
            actual.columns.len(),
            actual.columns.join(", ")
        ));
    }
    if rules.column_names {
        let differ = expected
            .columns
            .iter()
            .zip(&actual.columns)
            .any(|(e, a)| !e.eq_ignore_ascii_case(a));
        if differ {
            return Err(format!(
                "expected the columns {}, got {}",
                expected.columns.join(", "),
                actual.columns.join(", ")
            ));
        }
    }
    if actual.more && !expected.more {
        return Err(format!(
            "expected {} row{}, got more than {}",
            expected.rows.len(),
            plural(expected.rows.len()),
            actual.rows.len()
        ));
    }
    let mut account = Vec::new();
    if expected.rows.len() != actual.rows.len() {
        account.push(format!(
            "expected {} row{}, got {}",
            expected.rows.len(),
            plural(expected.rows.len()),
            actual.rows.len()
        ));
    }
    // Rows missing or in excess say more than positions shifted by them;
    // the order is looked at once the rows themselves agree.
    let differences = match unordered_differences(expected, actual, rules) {
        None if rules.ordered => ordered_differences(expected, actual, rules),
        differences => differences,
    };
    match differences {
        None if account.is_empty() => Ok(()),
        None => Err(account.join("\n")),
        Some(text) => {
            account.push(text);
            Err(account.join("\n"))
        }
    }
}

/// Where two lists of the same rows first differ in order.
fn ordered_differences(expected: &Rows, actual: &Rows, rules: &Rules) -> Option<String> {
    let longest = expected.rows.len().max(actual.rows.len());
    let first = (0..longest).find(|&i| match (expected.rows.get(i), actual.rows.get(i)) {
        (Some(e), Some(a)) => !row_eq(e, a, rules),
        _ => true,
    })?;
    let mut text = format!("the first difference is at row {}:", first + 1);
    for i in first..(first + SHOWN_ROWS).min(longest) {
        let e = expected.rows.get(i);
        let a = actual.rows.get(i);
        if let (Some(e), Some(a)) = (e, a)
            && row_eq(e, a, rules)
        {
            continue;
        }
        let label = format!("row {}:", i + 1);
        text.push_str(&format!(
            "\n  {label} expected {}\n  {}got      {}",
            e.map_or("(no row)".to_owned(), |row| show_row(row)),
            " ".repeat(label.len() + 1),
            a.map_or("(no row)".to_owned(), |row| show_row(row)),
        ));
    }
    text.push_str("\n  (the same rows in another order: this exercise asks for an order)");
    Some(text)
}

/// The rows missing from `actual` and the rows it has in excess, or None
/// when the two are the same multiset.
fn unordered_differences(expected: &Rows, actual: &Rows, rules: &Rules) -> Option<String> {
    let (missing, extra) = multiset_difference(&expected.rows, &actual.rows, rules);
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    let mut text = String::new();
    for (label, rows) in [("missing", &missing), ("unexpected", &extra)] {
        if rows.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!(
            "{} {label} row{}:",
            rows.len(),
            plural(rows.len())
        ));
        for row in rows.iter().take(SHOWN_ROWS) {
            text.push_str(&format!("\n  {}", show_row(row)));
        }
        if rows.len() > SHOWN_ROWS {
            text.push_str(&format!("\n  … and {} more", rows.len() - SHOWN_ROWS));
        }
    }
    Some(text)
}

/// Rows of `expected` with no partner in `actual`, and rows of `actual`
/// left over. Both sides are sorted and walked together; when tolerance or
/// coercion makes that walk miss a partner, a search pairs what is left.
fn multiset_difference<'a>(
    expected: &'a [Vec<Cell>],
    actual: &'a [Vec<Cell>],
    rules: &Rules,
) -> (Vec<&'a Vec<Cell>>, Vec<&'a Vec<Cell>>) {
    let mut e: Vec<&Vec<Cell>> = expected.iter().collect();
    let mut a: Vec<&Vec<Cell>> = actual.iter().collect();
    e.sort_by(|x, y| row_order(x, y));
    a.sort_by(|x, y| row_order(x, y));
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < e.len() && j < a.len() {
        if row_eq(e[i], a[j], rules) {
            i += 1;
            j += 1;
        } else if row_order(e[i], a[j]) == Ordering::Less {
            missing.push(e[i]);
            i += 1;
        } else {
            extra.push(a[j]);
            j += 1;
        }
    }
    missing.extend(&e[i..]);
    extra.extend(&a[j..]);
    if missing.is_empty() || extra.is_empty() || missing.len().max(extra.len()) > SEARCH_LIMIT {
        return (missing, extra);
    }
    let mut unmatched_extra: Vec<Option<&Vec<Cell>>> = extra.into_iter().map(Some).collect();
    let mut still_missing = Vec::new();
    for row in missing {
        let partner = unmatched_extra
            .iter_mut()
            .find(|candidate| candidate.is_some_and(|candidate| row_eq(row, candidate, rules)));
        match partner {
            Some(slot) => *slot = None,
            None => still_missing.push(row),
        }
    }
    (
        still_missing,
        unmatched_extra.into_iter().flatten().collect(),
    )
}

fn row_eq(expected: &[Cell], actual: &[Cell], rules: &Rules) -> bool {
    expected.len() == actual.len()
        && expected
            .iter()
            .zip(actual)
            .all(|(e, a)| cell_eq(e.as_ref(), a.as_ref(), rules))
}

/// Whether two cells are equal under `rules`.
pub fn cell_eq(expected: Option<&Value>, actual: Option<&Value>, rules: &Rules) -> bool {
    let (e, a) = match (expected, actual) {
        (None, None) => return true,
        (None, _) | (_, None) => return false,
        (Some(e), Some(a)) => (e, a),
    };
    match (number(e), number(a)) {
        (Some(x), Some(y)) => {
            if let (Value::Int(x), Value::Int(y)) = (e, a) {
                return x == y;
            }
            return x == y || (x - y).abs() <= rules.tolerance;
        }
        (Some(_), None) | (None, Some(_)) => {
            return rules.coerce && text_of(e) == text_of(a);
        }
        (None, None) => {}
    }
    match (e, a) {
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x.eq_ignore_ascii_case(y),
        _ => rules.coerce && text_of(e) == text_of(a),
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(n) => Some(*n as f64),
        Value::Real(x) => Some(*x),
        Value::Decimal(text) => text.parse().ok(),
        _ => None,
    }
}

/// A value's text for coercion: what `CAST(x AS TEXT)` would mostly give.
fn text_of(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Real(x) => x.to_string(),
        Value::Decimal(text) | Value::Text(text) | Value::Bytes(text) => text.clone(),
        Value::Bool(b) => (if *b { "1" } else { "0" }).to_owned(),
    }
}

/// A total order on rows for the sorted walk: NULL first, then numbers by
/// value, then everything else by its text.
fn row_order(x: &[Cell], y: &[Cell]) -> Ordering {
    for (a, b) in x.iter().zip(y) {
        let order = cell_order(a.as_ref(), b.as_ref());
        if order != Ordering::Equal {
            return order;
        }
    }
    x.len().cmp(&y.len())
}

fn cell_order(x: Option<&Value>, y: Option<&Value>) -> Ordering {
    match (x, y) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => match (number(a), number(b)) {
            (Some(p), Some(q)) => p.total_cmp(&q),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => text_of(a).cmp(&text_of(b)),
        },
    }
}

/// A row as a learner reads it: `(1, 'Ann', NULL, 12.50)`.
pub fn show_row(row: &[Cell]) -> String {
    let cells: Vec<String> = row.iter().map(|cell| show_cell(cell.as_ref())).collect();
    format!("({})", cells.join(", "))
}

fn show_cell(cell: Option<&Value>) -> String {
    match cell {
        None => "NULL".to_owned(),
        Some(Value::Int(n)) => n.to_string(),
        Some(Value::Real(x)) => show_real(*x),
        Some(Value::Decimal(text)) => text.clone(),
        Some(Value::Text(text)) => {
            let shown: String = text.chars().take(60).collect();
            let cut = if shown.len() < text.len() { "…" } else { "" };
            format!("'{}{cut}'", shown.replace('\'', "''"))
        }
        Some(Value::Bool(b)) => (if *b { "true" } else { "false" }).to_owned(),
        Some(Value::Bytes(hex)) => format!("x'{hex}'"),
    }
}

/// A float without its binary noise: `59.970000000000006` reads `59.97`.
fn show_real(x: f64) -> String {
    let text = format!("{x:.9}");
    let text = text.trim_end_matches('0');
    match text.strip_suffix('.') {
        Some(whole) => format!("{whole}.0"),
        None => text.to_owned(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> Cell {
        Some(Value::Int(n))
    }
    fn text(s: &str) -> Cell {
        Some(Value::Text(s.to_owned()))
    }
    fn real(x: f64) -> Cell {
        Some(Value::Real(x))
    }
    fn rows(columns: &[&str], rows: Vec<Vec<Cell>>) -> Rows {
        Rows {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows,
            more: false,
        }
    }
    fn unordered() -> Rules {
        Rules::default()
    }
    fn ordered() -> Rules {
        Rules {
            ordered: true,
            ..Rules::default()
        }
    }

    #[test]
    fn order_counts_only_when_the_exercise_asks() {
        let expected = rows(&["id"], vec![vec![int(1)], vec![int(2)], vec![int(3)]]);
        let shuffled = rows(&["id"], vec![vec![int(3)], vec![int(1)], vec![int(2)]]);
        assert_eq!(compare(&expected, &shuffled, &unordered()), Ok(()));
        let error = compare(&expected, &shuffled, &ordered()).unwrap_err();
        assert_eq!(
            error,
            "the first difference is at row 1:\n  row 1: expected (1)\n         got      (3)\n  row 2: expected (2)\n         got      (1)\n  row 3: expected (3)\n         got      (2)\n  (the same rows in another order: this exercise asks for an order)"
        );
    }

    #[test]
    fn an_extra_row_in_an_ordered_result_is_named_not_shifted() {
        let expected = rows(&["id"], vec![vec![int(1)], vec![int(2)], vec![int(3)]]);
        let extra = rows(
            &["id"],
            vec![vec![int(1)], vec![int(9)], vec![int(2)], vec![int(3)]],
        );
        assert_eq!(
            compare(&expected, &extra, &ordered()),
            Err("expected 3 rows, got 4\n1 unexpected row:\n  (9)".to_owned())
        );
    }

    #[test]
    fn duplicates_count() {
        let expected = rows(&["city"], vec![vec![text("Oslo")], vec![text("Oslo")]]);
        let once = rows(&["city"], vec![vec![text("Oslo")]]);
        assert_eq!(
            compare(&expected, &once, &unordered()),
            Err("expected 2 rows, got 1\n1 missing row:\n  ('Oslo')".to_owned())
        );
    }

    #[test]
    fn null_equals_null_but_not_the_empty_string_or_zero() {
        let expected = rows(&["city"], vec![vec![None]]);
        assert_eq!(
            compare(&expected, &rows(&["city"], vec![vec![None]]), &unordered()),
            Ok(())
        );
        assert_eq!(
            compare(
                &expected,
                &rows(&["city"], vec![vec![text("")]]),
                &unordered()
            ),
            Err("1 missing row:\n  (NULL)\n1 unexpected row:\n  ('')".to_owned())
        );
        let coerce = Rules {
            coerce: true,
            ..Rules::default()
        };
        assert!(compare(&expected, &rows(&["city"], vec![vec![int(0)]]), &coerce).is_err());
    }

    #[test]
    fn numbers_match_within_the_tolerance() {
        let expected = rows(
            &["avg"],
            vec![vec![Some(Value::Decimal("12.3333333333".into()))]],
        );
        assert_eq!(
            compare(
                &expected,
                &rows(&["avg"], vec![vec![real(12.333333333333334)]]),
                &unordered()
            ),
            Ok(())
        );
        assert!(
            compare(
                &expected,
                &rows(&["avg"], vec![vec![real(12.34)]]),
                &unordered()
            )
            .is_err()
        );
        let loose = Rules {
            tolerance: 0.01,
            ..Rules::default()
        };
        assert_eq!(
            compare(&expected, &rows(&["avg"], vec![vec![real(12.34)]]), &loose),
            Ok(())
        );
        // Integers are exact, whatever the tolerance.
        let big = rows(&["n"], vec![vec![int(9_007_199_254_740_993)]]);
        assert!(
            compare(
                &big,
                &rows(&["n"], vec![vec![int(9_007_199_254_740_992)]]),
                &loose
            )
            .is_err()
        );
    }

    #[test]
    fn integer_and_text_differ_unless_coerced() {
        let expected = rows(&["n"], vec![vec![int(5)]]);
        let as_text = rows(&["n"], vec![vec![text("5")]]);
        assert!(compare(&expected, &as_text, &unordered()).is_err());
        let coerce = Rules {
            coerce: true,
            ..Rules::default()
        };
        assert_eq!(compare(&expected, &as_text, &coerce), Ok(()));
    }

    #[test]
    fn column_names_are_checked_unless_turned_off() {
        let expected = rows(&["name", "total"], vec![vec![text("Ann"), int(3)]]);
        let renamed = rows(&["name", "count"], vec![vec![text("Ann"), int(3)]]);
        assert_eq!(
            compare(&expected, &renamed, &unordered()),
            Err("expected the columns name, total, got name, count".to_owned())
        );
        let upper = rows(&["NAME", "Total"], vec![vec![text("Ann"), int(3)]]);
        assert_eq!(compare(&expected, &upper, &unordered()), Ok(()));
        let lax = Rules {
            column_names: false,
            ..Rules::default()
        };
        assert_eq!(compare(&expected, &renamed, &lax), Ok(()));
        let fewer = rows(&["name"], vec![vec![text("Ann")]]);
        assert_eq!(
            compare(&expected, &fewer, &lax),
            Err("expected 2 columns (name, total), got 1 (name)".to_owned())
        );
    }

    #[test]
    fn a_tolerance_match_is_found_when_sorting_misaligns_rows() {
        let loose = Rules {
            tolerance: 0.5,
            ..Rules::default()
        };
        let expected = rows(
            &["x", "y"],
            vec![vec![real(1.0), text("b")], vec![real(1.2), text("a")]],
        );
        let actual = rows(
            &["x", "y"],
            vec![vec![real(1.1), text("a")], vec![real(1.05), text("b")]],
        );
        assert_eq!(compare(&expected, &actual, &loose), Ok(()));
    }

    #[test]
    fn floats_are_shown_without_binary_noise() {
        assert_eq!(show_real(59.970000000000006), "59.97");
        assert_eq!(show_real(14.0), "14.0");
        assert_eq!(show_real(-0.125), "-0.125");
    }

    #[test]
    fn too_many_rows_is_said() {
        let expected = rows(&["id"], vec![vec![int(1)]]);
        let mut actual = rows(&["id"], vec![vec![int(1)], vec![int(2)]]);
        actual.more = true;
        assert_eq!(
            compare(&expected, &actual, &unordered()),
            Err("expected 1 row, got more than 2".to_owned())
        );
    }
}
