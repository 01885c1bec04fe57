//! The exercise package: `exercise.yaml` (format version 1) and the folder
//! around it, loaded and validated strictly.
//!
//! Parsing rejects unknown fields and bad values with the line they are on;
//! validation then checks what YAML cannot: the slug matches the folder,
//! every named file exists, every test file is listed, every mutant has its
//! folder or its patch. All problems are reported together, each naming its field.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::api::spec::ApiSpec;
use crate::fsread::{self, FsReadError};
use crate::kind::{ExerciseKind, with_kind};
use crate::pytest::spec::PytestSpec;
use crate::sql::spec::SqlSpec;
use crate::units::{ByteSize, HumanDuration};

/// The `version` an exercise.yaml must have.
pub const FORMAT_VERSION: u32 = 1;
/// Largest submission file unless the exercise says otherwise.
pub const DEFAULT_MAX_FILE: u64 = 64 * 1024;
/// Largest file of an exercise folder the grader reads: no more than a
/// job's archive takes.
pub const MAX_EXERCISE_FILE: u64 = grader_sandbox::archive::MAX_FILE;
/// File names a submission may not use: they would configure or replace
/// the test run.
const RESERVED_NAMES: &[&str] = &[
    "conftest.py",
    "pytest.ini",
    "setup.cfg",
    "tox.ini",
    "pyproject.toml",
    "sitecustomize.py",
    "usercustomize.py",
];

/// A loaded, validated exercise.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// The folder holding exercise.yaml.
    pub dir: PathBuf,
    /// `<track>/<slug>`, from the folder names.
    pub id: String,
    pub spec: ExerciseSpec,
}

/// exercise.yaml, field by field. `exercises/README.md` documents each.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseSpec {
    pub version: u32,
    pub slug: String,
    pub title: String,
    pub kind: Kind,
    pub difficulty: Difficulty,
    #[serde(default)]
    pub tags: Vec<String>,
    pub submission: SubmissionSpec,
    #[serde(default)]
    pub limits: LimitsSpec,
    /// The exercise's test files; a kind without any (see
    /// `ExerciseKind::test_extension`) leaves it out.
    #[serde(default)]
    pub tests: Vec<TestFileSpec>,
    #[serde(default)]
    pub python: Option<PythonSpec>,
    #[serde(default)]
    pub sql: Option<SqlSpec>,
    #[serde(default)]
    pub api: Option<ApiSpec>,
    #[serde(default)]
    pub pytest: Option<PytestSpec>,
    #[serde(default)]
    pub mutants: Vec<MutantSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Python,
    Sql,
    Api,
    Pytest,
}

impl Kind {
    /// Every kind, in the order `grader new --kind` lists them.
    pub const ALL: [Kind; 4] = [Kind::Python, Kind::Sql, Kind::Api, Kind::Pytest];

    /// Its name in exercise.yaml.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Python => "python",
            Kind::Sql => "sql",
            Kind::Api => "api",
            Kind::Pytest => "pytest",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(name: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
                format!("expected one of {}, found `{name}`", names.join(", "))
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionSpec {
    pub files: Vec<FileSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub name: String,
    #[serde(default)]
    pub max_size: Option<ByteSize>,
}

impl FileSpec {
    pub fn max_size(&self) -> u64 {
        self.max_size.map_or(DEFAULT_MAX_FILE, |size| size.0)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    pub wall_time: Option<HumanDuration>,
    pub memory: Option<ByteSize>,
    pub pids: Option<i64>,
    pub output: Option<ByteSize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Visible,
    Hidden,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFileSpec {
    /// Relative to `tests/`.
    pub file: String,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default = "one")]
    pub points: f64,
    #[serde(default)]
    pub task: Option<u32>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Per test, by name (`test_x` or `test_x[param-id]`).
    #[serde(default)]
    pub overrides: BTreeMap<String, TestOverride>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestOverride {
    pub points: Option<f64>,
    pub visibility: Option<Visibility>,
    pub task: Option<u32>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonSpec {
    /// Time limit for one test; the run goes on with the next.
    pub test_timeout: Option<HumanDuration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MutantSpec {
    /// Its folder `mutants/<name>/` or its patch `mutants/<name>.patch`.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Exactly the test ids (`<file>::<name>`) it must fail.
    #[serde(default)]
    pub fails: Vec<String>,
}

/// What the grader settles for one test from the exercise: its points,
/// visibility, task and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSettings {
    pub points: f64,
    pub visibility: Visibility,
    pub task: Option<u32>,
    pub tags: Vec<String>,
}

impl TestSettings {
    /// For a test whose file the exercise does not list: it cannot come
    /// from the exercise, so it is hidden and worth nothing rather than
    /// trusted.
    pub fn unlisted() -> TestSettings {
        TestSettings {
            points: 0.0,
            visibility: Visibility::Hidden,
            task: None,
            tags: Vec::new(),
        }
    }
}

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

    pub fn tests_dir(&self) -> PathBuf {
        self.dir.join("tests")
    }

    /// The job limits: the exercise's, else the defaults.
    pub fn limits(&self) -> grader_sandbox::Limits {
        let spec = &self.spec.limits;
        let mut limits = grader_sandbox::Limits::default();
        if let Some(wall_time) = spec.wall_time {
            limits.wall_time = wall_time.0;
        }
        if let Some(memory) = spec.memory {
            limits.memory = memory.0;
        }
        if let Some(pids) = spec.pids {
            limits.pids = pids;
        }
        if let Some(output) = spec.output {
            limits.output = output.0 as usize;
        }
        limits
    }

    pub fn test_timeout(&self) -> Option<Duration> {
        self.spec
            .python
            .as_ref()
            .and_then(|python| python.test_timeout)
            .map(|timeout| timeout.0)
    }

    /// The settings of test `id` (`<file>::<name>`), or None when its file
    /// is not listed.
    pub fn test_settings(&self, id: &str) -> Option<TestSettings> {
        let (file, name) = id.split_once("::").unwrap_or((id, ""));
        let spec = self.spec.tests.iter().find(|spec| spec.file == file)?;
        let mut settings = TestSettings {
            points: spec.points,
            visibility: spec.visibility,
            task: spec.task,
            tags: spec.tags.clone(),
        };
        let base_name = name.split('[').next().unwrap_or(name);
        let found = spec
            .overrides
            .get(name)
            .or_else(|| spec.overrides.get(base_name));
        if let Some(over) = found {
            settings.points = over.points.unwrap_or(settings.points);
            settings.visibility = over.visibility.unwrap_or(settings.visibility);
            settings.task = over.task.or(settings.task);
            if let Some(tags) = &over.tags {
                settings.tags = tags.clone();
            }
        }
        Some(settings)
    }
}

/// Parses exercise.yaml text; the error names the line and what was wrong.
pub fn parse(text: &str) -> Result<ExerciseSpec, String> {
    serde_saphyr::from_str(text).map_err(|error| error.to_string())
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
    // A kind's section belongs to that kind; the kind checks its own.
    for kind in Kind::ALL {
        let section = kind.as_str();
        if with_kind!(kind, |k| k.has_section(spec)) && spec.kind != kind {
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
            if !id.contains("::") || !listed.contains(file) {
                problem(
                    &format!("{field}.fails"),
                    format!("expected `<listed test file>::<test name>`, found `{id}`"),
                );
            }
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

pub(crate) fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && !text.starts_with('-')
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Whether `name` is a file pytest collects tests from.
pub(crate) fn is_test_file(name: &str) -> bool {
    name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
}

/// Whether a submission file called `name` would configure or replace a
/// pytest run's tests.
pub(crate) fn is_reserved(name: &str) -> bool {
    RESERVED_NAMES.contains(&name) || is_test_file(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Kind::ALL` is every kind once, each under its exercise.yaml name:
    /// the lists derived from it (sections, `grader new --kind`) miss none.
    #[test]
    fn every_kind_is_listed_once_under_its_yaml_name() {
        let mut seen = BTreeSet::new();
        for kind in Kind::ALL {
            let from_yaml: Kind = serde_json::from_value(serde_json::json!(kind.as_str())).unwrap();
            assert_eq!(from_yaml, kind);
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            assert!(seen.insert(kind.as_str()));
        }
        // A variant missing from ALL would still be named here: the match
        // must name them all.
        let named = |kind: Kind| match kind {
            Kind::Python | Kind::Sql | Kind::Api | Kind::Pytest => kind.as_str(),
        };
        for kind in [Kind::Python, Kind::Sql, Kind::Api, Kind::Pytest] {
            assert!(seen.contains(named(kind)), "{kind:?} is not in Kind::ALL");
        }
        assert!(
            "shell"
                .parse::<Kind>()
                .unwrap_err()
                .contains("python, sql, api, pytest")
        );
    }
}
