//! An exercise package loaded: exercise.yaml read and parsed, then
//! validated strictly against its folder — every kind-independent rule
//! here, the kind's own through its [`ExerciseKind`] — with every problem
//! reported together, each naming its field. Above the kinds: the model
//! it builds (`crate::exercise`) depends on none of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::dispatch::with_kind;
use crate::exercise::{
    Exercise, ExerciseSpec, FORMAT_VERSION, Kind, LimitsSpec, MAX_EXERCISE_FILE, is_slug, parse,
};
use crate::fsread::{self, FsReadError};
use crate::kind::ExerciseKind;
use crate::units::ByteSize;

/// Why an exercise could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    /// A file in the folder is unreadable, a link, or not a regular file.
    #[error(transparent)]
    File(#[from] FsReadError),
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{} has {} problem{}:\n{}", path.display(), problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One thing wrong with an exercise: the field, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl Exercise {
    /// Loads and validates the exercise in `dir`. `dir` may be a link; a
    /// link or a special file anywhere inside it is refused before anything
    /// else is read, so that nothing later reads through one.
    pub fn load(dir: &Path) -> Result<Exercise, ExerciseError> {
        let path = dir.join("exercise.yaml");
        let text = fsread::read_to_string(&path, MAX_EXERCISE_FILE)?;
        let files = fsread::files(dir)?;
        let spec = parse(&text).map_err(|message| ExerciseError::Parse {
            path: path.clone(),
            message,
        })?;
        let problems = validate(dir, &files, &spec);
        if !problems.is_empty() {
            return Err(ExerciseError::Invalid { path, problems });
        }
        let absolute = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        let slug = spec.slug.clone();
        let track = absolute
            .parent()
            .and_then(Path::file_name)
            .map(|name| name.to_string_lossy().into_owned());
        let id = match track {
            Some(track) => format!("{track}/{slug}"),
            None => slug,
        };
        Ok(Exercise {
            dir: absolute,
            id,
            spec,
        })
    }
}

/// Checks `spec` against the folder `dir`, whose regular files are `files`
/// (and which holds no link: `load` refused it).
fn validate(dir: &Path, files: &[PathBuf], spec: &ExerciseSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(Problem {
            field: field.to_owned(),
            message,
        })
    };
    validate_identity(dir, spec, &mut problem);
    validate_submission_files(spec, &mut problem);
    validate_limits(&spec.limits, &mut problem);
    let listed = validate_tests(dir, files, spec, &mut problem);
    validate_solutions(dir, spec, &listed, &mut problem);
    problems
}

/// The version, slug, title, the kind's section (checked by the kind) and
/// the statement.
fn validate_identity(dir: &Path, spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String)) {
    if spec.version != FORMAT_VERSION {
        problem(
            "version",
            format!("expected {FORMAT_VERSION}, found {}", spec.version),
        );
    }
    let folder = dir
        .canonicalize()
        .ok()
        .and_then(|dir| {
            dir.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    if !is_slug(&spec.slug) {
        problem(
            "slug",
            format!(
                "expected lowercase letters, digits and `-`, found `{}`",
                spec.slug
            ),
        );
    } else if spec.slug != folder {
        problem(
            "slug",
            format!(
                "expected the folder's name `{folder}`, found `{}`",
                spec.slug
            ),
        );
    }
    if spec.title.trim().is_empty() {
        problem("title", "expected a title, found an empty one".to_owned());
    }
    // A kind's section belongs to that kind; the kind checks its own. An
    // api exercise may also have a `pytest` section: the learner's tests of
    // the app, judged on the exercise's own app and its bugs.
    for kind in Kind::ALL {
        let section = kind.as_str();
        let shared = kind == Kind::Pytest && spec.kind == Kind::Api;
        if with_kind!(kind, |k| k.has_section(spec)) && spec.kind != kind && !shared {
            problem(
                section,
                format!(
                    "a `{section}` section belongs to a `{section}` exercise; this one is `{}`",
                    spec.kind.as_str()
                ),
            );
        }
    }
    with_kind!(spec.kind, |kind| kind.validate(dir, spec, problem));
    if !dir.join("README.md").is_file() {
        problem(
            "README.md",
            "expected a learner-facing README.md beside exercise.yaml".to_owned(),
        );
    }
}

/// The files a submission holds: plain names, once each, within the cap.
fn validate_submission_files(spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String)) {
    if spec.submission.files.is_empty() {
        problem("submission.files", "expected at least one file".to_owned());
    }
    let mut names = BTreeSet::new();
    for (index, file) in spec.submission.files.iter().enumerate() {
        let field = format!("submission.files[{index}].name");
        if let Err(error) = grader_sandbox::archive::check_name(&file.name) {
            problem(&field, error.to_string());
        } else if file.name.contains('/') || file.name.starts_with('.') {
            problem(
                &field,
                format!("expected a plain file name, found `{}`", file.name),
            );
        }
        if !names.insert(file.name.clone()) {
            problem(&field, format!("`{}` is listed twice", file.name));
        }
        if file.max_size() > grader_sandbox::archive::MAX_FILE {
            problem(
                &format!("submission.files[{index}].max_size"),
                format!(
                    "expected at most {}",
                    ByteSize(grader_sandbox::archive::MAX_FILE)
                ),
            );
        }
    }
}

/// The limits an exercise may set, each within its bounds.
fn validate_limits(limits: &LimitsSpec, problem: &mut dyn FnMut(&str, String)) {
    if let Some(wall_time) = limits.wall_time
        && (wall_time.0 < Duration::from_secs(1) || wall_time.0 > Duration::from_secs(600))
    {
        problem("limits.wall_time", "expected between 1s and 10m".to_owned());
    }
    if let Some(memory) = limits.memory
        && (memory.0 < 16 << 20 || memory.0 > 4 << 30)
    {
        problem(
            "limits.memory",
            "expected between 16MiB and 4GiB".to_owned(),
        );
    }
    if let Some(pids) = limits.pids
        && !(8..=1024).contains(&pids)
    {
        problem(
            "limits.pids",
            format!("expected between 8 and 1024, found {pids}"),
        );
    }
    if let Some(output) = limits.output
        && (output.0 < 4096 || output.0 > 64 << 20)
    {
        problem(
            "limits.output",
            "expected between 4KiB and 64MiB".to_owned(),
        );
    }
}

/// The test files: what the kind takes, each listed one present and
/// well-formed, none unlisted. Returns the listed files.
fn validate_tests(
    dir: &Path,
    files: &[PathBuf],
    spec: &ExerciseSpec,
    problem: &mut dyn FnMut(&str, String),
) -> BTreeSet<String> {
    let tests_dir = dir.join("tests");
    let extension = with_kind!(spec.kind, |kind| kind.test_extension());
    match extension {
        Some(_) if spec.tests.is_empty() => {
            problem("tests", "expected at least one test file".to_owned())
        }
        None if !spec.tests.is_empty() => problem(
            "tests",
            format!(
                "a `{}` exercise has no test files of its own; remove `tests`",
                spec.kind.as_str()
            ),
        ),
        _ => {}
    }
    let takes_tests = extension.is_some();
    let extension = extension.unwrap_or_default();
    let listed = validate_test_entries(&tests_dir, spec, extension, problem);
    if tests_dir.is_dir() {
        let mut unlisted: Vec<String> = files
            .iter()
            .filter_map(|file| file.strip_prefix("tests").ok()?.to_str())
            .filter(|name| !name.contains('/'))
            .map(str::to_owned)
            .filter(|name| {
                with_kind!(spec.kind, |kind| kind.is_test_file(name)) && !listed.contains(name)
            })
            .collect();
        unlisted.sort();
        for name in unlisted {
            problem(
                "tests",
                format!("tests/{name} is not listed; list it with its visibility"),
            );
        }
    } else if takes_tests {
        problem("tests", "expected a tests/ folder".to_owned());
    }

    listed
}

/// Each entry of `tests`: an `extension` file under `tests_dir`, listed
/// once, its points and tasks in range.
fn validate_test_entries(
    tests_dir: &Path,
    spec: &ExerciseSpec,
    extension: &str,
    problem: &mut dyn FnMut(&str, String),
) -> BTreeSet<String> {
    let mut listed = BTreeSet::new();
    for (index, test) in spec.tests.iter().enumerate() {
        let field = format!("tests[{index}]");
        if grader_sandbox::archive::check_name(&test.file).is_err()
            || !test.file.ends_with(extension)
        {
            problem(
                &format!("{field}.file"),
                format!(
                    "expected a {extension} file name relative to tests/, found `{}`",
                    test.file
                ),
            );
            continue;
        }
        if !tests_dir.join(&test.file).is_file() {
            problem(
                &format!("{field}.file"),
                format!("tests/{} does not exist", test.file),
            );
        }
        if !listed.insert(test.file.clone()) {
            problem(
                &format!("{field}.file"),
                format!("`{}` is listed twice", test.file),
            );
        }
        if !(test.points >= 0.0 && test.points.is_finite()) {
            problem(
                &format!("{field}.points"),
                format!("expected a number ≥ 0, found {}", test.points),
            );
        }
        if test.task == Some(0) {
            problem(
                &format!("{field}.task"),
                "expected a task number from 1 (the number of its heading in README.md)".to_owned(),
            );
        }
        for (name, over) in &test.overrides {
            if let Some(points) = over.points
                && !(points >= 0.0 && points.is_finite())
            {
                problem(
                    &format!("{field}.overrides.{name}.points"),
                    format!("expected a number ≥ 0, found {points}"),
                );
            }
            if over.task == Some(0) {
                problem(
                    &format!("{field}.overrides.{name}.task"),
                    "expected a task number from 1 (the number of its heading in README.md)"
                        .to_owned(),
                );
            }
        }
    }
    listed
}

/// Reference, starter and mutants each hold the submission files; each
/// mutant is named once and fails listed tests.
fn validate_solutions(
    dir: &Path,
    spec: &ExerciseSpec,
    listed: &BTreeSet<String>,
    problem: &mut dyn FnMut(&str, String),
) {
    let expected: Vec<&str> = spec
        .submission
        .files
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    for folder in ["reference", "starter"] {
        check_solution_folder(&dir.join(folder), folder, &expected, problem);
    }
    let mut mutant_names = BTreeSet::new();
    for (index, mutant) in spec.mutants.iter().enumerate() {
        let field = format!("mutants[{index}]");
        if !is_slug(&mutant.name) {
            problem(
                &format!("{field}.name"),
                format!(
                    "expected lowercase letters, digits and `-`, found `{}`",
                    mutant.name
                ),
            );
            continue;
        }
        if !mutant_names.insert(mutant.name.clone()) {
            problem(
                &format!("{field}.name"),
                format!("`{}` is listed twice", mutant.name),
            );
        }
        // A patch is applied, and a stale one reported, by `grader check`.
        match crate::mutant::source(dir, &mutant.name) {
            Ok(crate::mutant::Source::Folder(folder)) => check_solution_folder(
                &folder,
                &format!("mutants/{}", mutant.name),
                &expected,
                problem,
            ),
            Ok(crate::mutant::Source::Patch(_)) => {}
            Err(crate::mutant::MutantError::Missing { name }) => problem(
                &format!("mutants/{name}"),
                format!(
                    "expected a folder mutants/{name}/ with {}, or a patch mutants/{name}.patch",
                    expected.join(", ")
                ),
            ),
            Err(error) => problem(&format!("mutants/{}", mutant.name), error.to_string()),
        }
        if mutant.fails.is_empty() {
            problem(
                &format!("{field}.fails"),
                "expected the ids of the tests this mutant must fail".to_owned(),
            );
        }
        for id in &mutant.fails {
            let file = id.split("::").next().unwrap_or_default();
            // A mutant of the learner's tests (an api exercise with a
            // `pytest` section) fails to catch one of its bugs.
            let a_bug = id.strip_prefix("bugs::").is_some_and(|name| {
                spec.pytest
                    .as_ref()
                    .is_some_and(|pytest| pytest.bugs.iter().any(|bug| bug.name == name))
            });
            if !a_bug && (!id.contains("::") || !listed.contains(file)) {
                problem(
                    &format!("{field}.fails"),
                    format!(
                        "expected `<listed test file>::<test name>` (or `bugs::<bug>` for a bug \
                         of the `pytest` section), found `{id}`"
                    ),
                );
            }
        }
    }
    validate_hints(spec, problem);
}

/// Each hint: not empty, naming no hidden test (its file, or its own
/// name: one with an `_`); mutants that fail the same tests share one
/// hint (grading either shows both otherwise).
fn validate_hints(spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String)) {
    let hidden: Vec<&str> = spec
        .tests
        .iter()
        .filter(|test| test.visibility == crate::exercise::Visibility::Hidden)
        .map(|test| test.file.as_str())
        .collect();
    let hidden_names: BTreeSet<&str> = spec
        .mutants
        .iter()
        .flat_map(|mutant| &mutant.fails)
        .filter_map(|id| id.split_once("::"))
        .filter(|(file, _)| hidden.contains(file))
        .map(|(_, name)| name.split('[').next().unwrap_or(name))
        // A test's own name (`test_first_fifteen`, `a_missing_name_is_422`),
        // not a word any hint may use (an sql exercise's `query`).
        .filter(|name| name.contains('_'))
        .collect();
    for (index, mutant) in spec.mutants.iter().enumerate() {
        let Some(hint) = &mutant.hint else { continue };
        let field = format!("mutants[{index}].hint");
        if hint.trim().is_empty() {
            problem(
                &field,
                "expected a sentence for the learner, found an empty one".to_owned(),
            );
        }
        let named = hidden
            .iter()
            .copied()
            .chain(hidden_names.iter().copied())
            .find(|name| hint.contains(name));
        if let Some(name) = named {
            problem(
                &field,
                format!("names the hidden test `{name}`: a hint never shows a hidden test"),
            );
        }
        let fails: BTreeSet<&String> = mutant.fails.iter().collect();
        let twin = spec.mutants[..index].iter().find(|other| {
            other.fails.iter().collect::<BTreeSet<_>>() == fails
                && other.hint.as_ref().is_some_and(|other| other != hint)
        });
        if let Some(twin) = twin {
            problem(
                &field,
                format!(
                    "`{}` fails the same tests with another hint: a submission that fails them \
                     cannot tell the two apart; give both one hint",
                    twin.name
                ),
            );
        }
    }
}

fn check_solution_folder(
    folder: &Path,
    label: &str,
    expected: &[&str],
    problem: &mut dyn FnMut(&str, String),
) {
    if !folder.is_dir() {
        problem(
            label,
            format!("expected a folder {label}/ with {}", expected.join(", ")),
        );
        return;
    }
    for name in expected {
        if !folder.join(name).is_file() {
            problem(label, format!("{label}/{name} does not exist"));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn problems_of_hints(edit: impl Fn(&mut ExerciseSpec)) -> Vec<String> {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../exercises/python/fizzbuzz/exercise.yaml"),
        )
        .unwrap();
        let mut spec = parse(&text).unwrap();
        edit(&mut spec);
        let mut problems = Vec::new();
        validate_hints(&spec, &mut |field, message| {
            problems.push(format!("{field}: {message}"));
        });
        problems
    }

    #[test]
    fn the_bundled_hints_hold() {
        assert_eq!(problems_of_hints(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn a_hint_never_names_a_hidden_test() {
        let problems = problems_of_hints(|spec| {
            spec.mutants[1].hint = Some("Look at what `test_first_fifteen` expects.".to_owned());
        });
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("names the hidden test `test_first_fifteen`"));
    }

    #[test]
    fn mutants_failing_the_same_tests_share_one_hint() {
        let problems = problems_of_hints(|spec| {
            let mut twin = spec.mutants[1].clone();
            twin.name = "checks-five-first".to_owned();
            twin.hint = Some("Another hint.".to_owned());
            spec.mutants.push(twin);
        });
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("`checks-three-first` fails the same tests"));
    }
}
