//! What is checked of the `pytest:` section of exercise.yaml (its types
//! are `crate::spec::pytest`'s).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use crate::exercise::ExerciseSpec;
pub use crate::spec::pytest::*;

/// Checks the section against the folder `dir`.
pub fn validate(dir: &Path, spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String)) {
    for (index, file) in spec.submission.files.iter().enumerate() {
        if !crate::exercise::is_test_file(&file.name) {
            problem(
                &format!("submission.files[{index}].name"),
                format!(
                    "expected a test file pytest collects (`test_*.py` or `*_test.py`), found `{}`",
                    file.name
                ),
            );
        }
    }
    if !spec.mutants.is_empty() {
        problem(
            "mutants",
            "a `pytest` exercise's wrong implementations are its `pytest.bugs`; remove `mutants`"
                .to_owned(),
        );
    }
    let Some(pytest) = &spec.pytest else {
        problem(
            "pytest",
            "expected a `pytest` section (files, bugs) for a `pytest` exercise".to_owned(),
        );
        return;
    };
    if pytest.files.is_empty() {
        problem(
            "pytest.files",
            "expected the implementation's files, e.g. `[slugify.py]`".to_owned(),
        );
    }
    validate_files(dir, spec, pytest, false, problem);
    validate_common(dir, pytest, problem);
}

/// The `pytest:` section of an api exercise: the learner hands in an app
/// and tests of it, which run over HTTP against the exercise's own app
/// (`implementation/`, the same modules as the learner's app) and its
/// bugs.
pub fn validate_for_app(
    dir: &Path,
    spec: &ExerciseSpec,
    pytest: &PytestSpec,
    problem: &mut dyn FnMut(&str, String),
) {
    if !spec
        .submission
        .files
        .iter()
        .any(|file| crate::exercise::is_test_file(&file.name))
    {
        problem(
            "submission.files",
            "expected a test file of the learner's (`test_*.py` or `*_test.py`) beside the app: \
             the `pytest` section judges it"
                .to_owned(),
        );
    }
    if pytest.files.is_empty() {
        problem(
            "pytest.files",
            "expected the app's modules, e.g. `[app.py]`".to_owned(),
        );
    }
    validate_files(dir, spec, pytest, true, problem);
    validate_common(dir, pytest, problem);
    if let Some(api) = &spec.api {
        validate_held_start(api, pytest, problem);
    }
}

/// The exercise's app is served from memory (`grader_launch.py --held`):
/// in one process, from `python3 -m <server>`, where the server imports
/// the app's modules; no worker beside it.
fn validate_held_start(
    api: &crate::spec::api::ApiSpec,
    pytest: &PytestSpec,
    problem: &mut dyn FnMut(&str, String),
) {
    let modules: Vec<&str> = pytest
        .files
        .iter()
        .filter_map(|file| file.strip_suffix(".py"))
        .collect();
    let served = match api.start.as_slice() {
        [python, flag, server, args @ ..] if python == "python3" && flag == "-m" => {
            !modules.contains(&server.as_str())
                && !args.iter().any(|arg| {
                    arg == "--reload" || arg == "--workers" || arg.starts_with("--workers=")
                })
        }
        _ => false,
    };
    if !served {
        problem(
            "api.start",
            "with a `pytest` section the exercise's app is served from memory, in one process: \
             expected `python3 -m <server> ...` (e.g. `python3 -m uvicorn app:app --port {port}`), \
             without `--workers` or `--reload`"
                .to_owned(),
        );
    }
    if api.worker.is_some() {
        problem(
            "api.worker",
            "an exercise with a `pytest` section serves its app alone: no worker".to_owned(),
        );
    }
}

/// What both uses of the section share: the bugs and the time limit.
fn validate_common(dir: &Path, pytest: &PytestSpec, problem: &mut dyn FnMut(&str, String)) {
    if pytest.bugs.is_empty() {
        problem(
            "pytest.bugs",
            "expected at least one bug for the learner's tests to catch".to_owned(),
        );
    }
    validate_bugs(dir, pytest, problem);
    if let Some(timeout) = pytest.test_timeout
        && timeout.0 < Duration::from_millis(100)
    {
        problem("pytest.test_timeout", "expected at least 100ms".to_owned());
    }
}

/// The implementation's files: plain module names, once each, present,
/// none one pytest would collect or read, nor (unless it is an app, which
/// the tests reach only over HTTP) a submission file.
fn validate_files(
    dir: &Path,
    spec: &ExerciseSpec,
    pytest: &PytestSpec,
    app: bool,
    problem: &mut dyn FnMut(&str, String),
) {
    let mut names = BTreeSet::new();
    for (index, file) in pytest.files.iter().enumerate() {
        let field = format!("pytest.files[{index}]");
        if !is_module_file(file) {
            problem(
                &field,
                format!("expected a plain .py file name such as `slugify.py`, found `{file}`"),
            );
            continue;
        }
        if !names.insert(file.as_str()) {
            problem(&field, format!("`{file}` is listed twice"));
        }
        if crate::exercise::is_test_file(file) || crate::exercise::is_reserved(file) {
            problem(
                &field,
                format!("`{file}` is a name pytest would collect or read as its configuration"),
            );
        }
        if !app && spec.submission.files.iter().any(|sub| &sub.name == file) {
            problem(
                &field,
                format!("`{file}` is also a submission file; the learner's tests import it"),
            );
        }
        if !dir.join("implementation").join(file).is_file() {
            problem(
                &field,
                format!(
                    "implementation/{file} does not exist: it holds the correct implementation"
                ),
            );
        }
    }
}

/// The described bugs: named once, described, pointed, each with its
/// source.
fn validate_bugs(dir: &Path, pytest: &PytestSpec, problem: &mut dyn FnMut(&str, String)) {
    let mut bug_names = BTreeSet::new();
    for (index, bug) in pytest.bugs.iter().enumerate() {
        let field = format!("pytest.bugs[{index}]");
        if !crate::exercise::is_slug(&bug.name) {
            problem(
                &format!("{field}.name"),
                format!(
                    "expected lowercase letters, digits and `-`, found `{}`",
                    bug.name
                ),
            );
            continue;
        }
        if !bug_names.insert(bug.name.as_str()) {
            problem(
                &format!("{field}.name"),
                format!("`{}` is listed twice", bug.name),
            );
        }
        if bug.hint.as_ref().is_some_and(|hint| hint.trim().is_empty()) {
            problem(
                &format!("{field}.hint"),
                "expected a sentence for the learner, found an empty one".to_owned(),
            );
        }
        if bug.description.trim().is_empty() {
            problem(
                &format!("{field}.description"),
                "expected the mistake in a sentence a learner can read".to_owned(),
            );
        }
        if !(bug.points >= 0.0 && bug.points.is_finite()) {
            problem(
                &format!("{field}.points"),
                format!("expected a number ≥ 0, found {}", bug.points),
            );
        }
        validate_bug_source(dir, bug, &pytest.files, problem);
    }
}

/// A bug's source: a patch against implementation/, or a folder with
/// every implementation file; not both.
fn validate_bug_source(
    dir: &Path,
    bug: &BugSpec,
    files: &[String],
    problem: &mut dyn FnMut(&str, String),
) {
    let folder = dir.join("bugs").join(&bug.name);
    let patch = dir.join("bugs").join(format!("{}.patch", bug.name));
    let is_folder = folder.symlink_metadata().is_ok_and(|meta| meta.is_dir());
    let is_patch = patch.symlink_metadata().is_ok_and(|meta| meta.is_file());
    let name = &bug.name;
    match (is_folder, is_patch) {
        (false, false) => problem(
            &format!("bugs/{name}"),
            format!(
                "expected a patch bugs/{name}.patch against implementation/, or a folder bugs/{name}/ with {}",
                files.join(", ")
            ),
        ),
        (true, true) => problem(
            &format!("bugs/{name}"),
            format!("bugs/{name}/ and bugs/{name}.patch both exist; keep one"),
        ),
        (true, false) => {
            for file in files {
                if !folder.join(file).is_file() {
                    problem(
                        &format!("bugs/{name}"),
                        format!("bugs/{name}/{file} does not exist"),
                    );
                }
            }
        }
        // Applied, and a stale one reported, by the grading.
        (false, true) => {}
    }
}

fn is_module_file(name: &str) -> bool {
    name.strip_suffix(".py").is_some_and(|stem| {
        !stem.is_empty()
            && !stem.starts_with(|c: char| c.is_ascii_digit())
            && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}
