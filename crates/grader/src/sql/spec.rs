//! What is checked of the `sql:` section of exercise.yaml (its types are
//! `crate::spec::sql`'s).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

pub use crate::spec::sql::*;

/// Checks the `sql` section against the exercise folder.
pub fn validate(dir: &Path, sql: &SqlSpec, problem: &mut impl FnMut(&str, String)) {
    if sql.engines.is_empty() {
        problem(
            "sql.engines",
            "expected at least one of sqlite, postgres".to_owned(),
        );
    }
    let mut seen = BTreeSet::new();
    for engine in &sql.engines {
        if !seen.insert(*engine) {
            problem(
                "sql.engines",
                format!("`{}` is listed twice", engine.as_str()),
            );
        }
    }
    if grader_sandbox::archive::check_name(&sql.schema).is_err() || !sql.schema.ends_with(".sql") {
        problem(
            "sql.schema",
            format!(
                "expected a .sql file relative to the exercise folder, found `{}`",
                sql.schema
            ),
        );
    } else if !dir.join(&sql.schema).is_file() {
        problem("sql.schema", format!("{} does not exist", sql.schema));
    }
    validate_search_path(sql, problem);
    let timeout = sql.timeout();
    if timeout < Duration::from_millis(100) || timeout > Duration::from_secs(60) {
        problem(
            "sql.statement_timeout",
            "expected between 100ms and 60s".to_owned(),
        );
    }
    if !(1..=100_000).contains(&sql.max_rows()) {
        problem(
            "sql.max_rows",
            format!("expected between 1 and 100000, found {}", sql.max_rows()),
        );
    }
    let tolerance = sql.compare.tolerance;
    if !(tolerance >= 0.0 && tolerance.is_finite()) {
        problem(
            "sql.compare.tolerance",
            format!("expected a number ≥ 0, found {tolerance}"),
        );
    }
    validate_checks(sql, problem);
}

/// A script's checks (none for a query): named once each, plainly, one
/// read-only statement each.
fn validate_checks(sql: &SqlSpec, problem: &mut impl FnMut(&str, String)) {
    match sql.mode {
        Mode::Query if !sql.checks.is_empty() => problem(
            "sql.checks",
            "checks judge a script; a `query` exercise compares the query's rows".to_owned(),
        ),
        Mode::Script if sql.checks.is_empty() => problem(
            "sql.checks",
            "expected at least one check for a `script` exercise".to_owned(),
        ),
        _ => {}
    }
    let mut names = BTreeSet::new();
    for (index, check) in sql.checks.iter().enumerate() {
        let field = format!("sql.checks[{index}]");
        let valid = !check.name.is_empty()
            && check.name.len() <= 64
            && check
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            problem(
                &format!("{field}.name"),
                format!(
                    "expected lowercase letters, digits and `_`, found `{}`",
                    check.name
                ),
            );
        } else if check.name == "query" {
            problem(
                &format!("{field}.name"),
                "`query` names the test of a query exercise; choose another name".to_owned(),
            );
        }
        if !names.insert(check.name.clone()) {
            problem(
                &format!("{field}.name"),
                format!("`{}` is listed twice", check.name),
            );
        }
        match crate::sql::statement::statements(&check.sql) {
            Ok(statements) if statements.len() == 1 => {}
            Ok(statements) => problem(
                &format!("{field}.sql"),
                format!("expected one statement, found {}", statements.len()),
            ),
            Err(refusal) => problem(&format!("{field}.sql"), refusal.to_string()),
        }
    }
}

/// A schema name of `search_path`: an unquoted PostgreSQL identifier, not
/// one of the system's; and only PostgreSQL has schemas.
fn validate_search_path(sql: &SqlSpec, problem: &mut impl FnMut(&str, String)) {
    if sql.search_path.is_empty() {
        return;
    }
    if sql.engines.contains(&Engine::Sqlite) {
        problem(
            "sql.search_path",
            "only PostgreSQL has schemas: expected `engines: [postgres]`".to_owned(),
        );
    }
    for (index, name) in sql.search_path.iter().enumerate() {
        let identifier = name.len() <= 63
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !identifier || name.starts_with("pg_") || name == "information_schema" {
            problem(
                &format!("sql.search_path[{index}]"),
                format!(
                    "expected a schema of the exercise's own: lowercase letters, digits and `_`, \
                     not `pg_…` nor `information_schema`; found `{name}`"
                ),
            );
        }
    }
}
