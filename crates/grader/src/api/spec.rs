//! What is checked of the `api:` section of exercise.yaml (its types are
//! `crate::spec::api`'s).

use std::time::Duration;

pub use crate::spec::api::*;

/// Checks the `api` section; `dir` is the exercise folder.
pub fn validate(dir: &std::path::Path, api: &ApiSpec, problem: &mut impl FnMut(&str, String)) {
    validate_services(dir, api, problem);
    if let Some(worker) = &api.worker
        && (worker.is_empty() || worker[0].trim().is_empty())
    {
        problem(
            "api.worker",
            "expected the command that starts the worker, e.g. [python3, worker.py]".to_owned(),
        );
    }
    validate_env(api, problem);
    if api.start.is_empty() || api.start[0].trim().is_empty() {
        problem(
            "api.start",
            "expected the command that starts the app, e.g. [python3, -m, uvicorn, app:app, --port, \"{port}\"]".to_owned(),
        );
    }
    if api.port < 1024 {
        problem(
            "api.port",
            format!(
                "expected a port from 1024 up (the app does not run as root), found {}",
                api.port
            ),
        );
    }
    if !api.ready.path.starts_with('/') {
        problem(
            "api.ready.path",
            format!(
                "expected a path starting with `/`, found `{}`",
                api.ready.path
            ),
        );
    }
    let deadline = api.ready_deadline();
    if deadline < Duration::from_millis(500) || deadline > Duration::from_secs(120) {
        problem(
            "api.ready.deadline",
            "expected between 500ms and 2m".to_owned(),
        );
    }
    let timeout = api.request_timeout();
    if timeout < Duration::from_millis(100) || timeout > Duration::from_secs(60) {
        problem(
            "api.request_timeout",
            "expected between 100ms and 60s".to_owned(),
        );
    }
}

/// Each service once; a schema only with PostgreSQL, a plain file of the
/// exercise.
fn validate_services(dir: &std::path::Path, api: &ApiSpec, problem: &mut impl FnMut(&str, String)) {
    let mut seen = Vec::new();
    for service in &api.services {
        if seen.contains(service) {
            problem(
                "api.services",
                format!("{service:?} is listed twice").to_lowercase(),
            );
        }
        seen.push(*service);
    }
    if let Some(schema) = &api.schema {
        if !api.services.contains(&Service::Postgres) {
            problem(
                "api.schema",
                "a schema is loaded into PostgreSQL: add `postgres` to api.services".to_owned(),
            );
        }
        let plain = !schema.is_empty()
            && !schema.starts_with('/')
            && !schema
                .split('/')
                .any(|part| part == ".." || part.is_empty());
        if !plain || !dir.join(schema).is_file() {
            problem(
                "api.schema",
                format!("expected a file in the exercise folder, found `{schema}`"),
            );
        }
    }
}

/// The app's extra environment: plain names, none of the grader's, short
/// values without NUL.
fn validate_env(api: &ApiSpec, problem: &mut impl FnMut(&str, String)) {
    for (name, value) in &api.env {
        let plain = name
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_uppercase() || first == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            problem(
                "api.env",
                format!(
                    "`{name}`: expected a name of capitals, digits and `_`, e.g. BCRYPT_ROUNDS"
                ),
            );
        } else if GRADERS_ENV.contains(&name.as_str()) || name.starts_with("GRADER_") {
            problem(
                "api.env",
                format!("`{name}` is set by the grader; choose another name"),
            );
        }
        if value.contains('\0') || value.len() > 4096 {
            problem(
                "api.env",
                format!("`{name}`: expected a value of at most 4096 bytes without NUL"),
            );
        }
    }
}
