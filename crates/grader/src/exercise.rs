//! The exercise package as data: `exercise.yaml` (format version 1), field
//! by field, and the settings derived from it. Parsing rejects unknown
//! fields and bad values with the line they are on; `crate::package`
//! loads a folder and checks what YAML cannot (`Exercise::load`). This
//! module depends on no kind.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::spec::api::ApiSpec;
use crate::spec::pytest::PytestSpec;
use crate::spec::shell::ShellSpec;
use crate::spec::sql::SqlSpec;
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
    pub shell: Option<ShellSpec>,
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
    Shell,
}

impl Kind {
    /// Every kind, in the order `grader new --kind` lists them.
    pub const ALL: [Kind; 5] = [
        Kind::Python,
        Kind::Sql,
        Kind::Api,
        Kind::Pytest,
        Kind::Shell,
    ];

    /// Its name in exercise.yaml.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Python => "python",
            Kind::Sql => "sql",
            Kind::Api => "api",
            Kind::Pytest => "pytest",
            Kind::Shell => "shell",
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
    /// A file uploaded whole, never edited as text (a git bundle): the
    /// learner page offers a file picker for it, and the service takes it
    /// base64-encoded.
    #[serde(default)]
    pub binary: bool,
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
    /// For the learner whose submission fails as this mutant does: the
    /// likely mistake, in a sentence or two of Markdown, without the code
    /// (`crate::hints`). `description` is the author's.
    #[serde(default)]
    pub hint: Option<String>,
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

impl Exercise {
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
    use std::collections::BTreeSet;

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
            Kind::Python | Kind::Sql | Kind::Api | Kind::Pytest | Kind::Shell => kind.as_str(),
        };
        for kind in [
            Kind::Python,
            Kind::Sql,
            Kind::Api,
            Kind::Pytest,
            Kind::Shell,
        ] {
            assert!(seen.contains(named(kind)), "{kind:?} is not in Kind::ALL");
        }
        assert!(
            "cobol"
                .parse::<Kind>()
                .unwrap_err()
                .contains("python, sql, api, pytest, shell")
        );
    }
}
