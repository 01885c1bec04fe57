//! The sql kind: the reference and the submission run on a fresh database
//! per engine and dataset, in the sql runner image; their rows come back as
//! typed JSON lines and are compared here, on the host.
//!
//! - [`spec`]: the `sql:` section of exercise.yaml.
//! - [`statement`]: what a query is, read before anything runs.
//! - [`compare`]: the comparison rules and the account of a mismatch.
//!
//! Tests are `<dataset file>::<name>[<engine>]`, where the name is `query`
//! (query mode) or a check's name (script mode).

pub mod compare;
pub mod spec;
pub mod statement;

use std::collections::HashMap;

use grader_sandbox::{Archive, Job, Limits, Outcome, Runner};
use serde::Deserialize;

use crate::channel::{self, Key};
use crate::exercise::{Exercise, ExerciseSpec, TestSettings};
use crate::fsread::FsReadError;
use crate::grade::{Grader, JobError};
use crate::kind::ExerciseKind;
use crate::manifest::{self, Manifest};
use crate::result::{ErrorKind, GradeError, GradeResult, Output, TestResult, TestStatus};
use crate::sql::compare::Rows;
use crate::sql::spec::{Engine, Mode, SqlSpec};
use crate::submission::Submission;

/// Memory and scratch space of a job unless the exercise sets its memory:
/// a PostgreSQL cluster lives on the scratch tmpfs, which counts as memory.
const MEMORY: u64 = 512 << 20;
const SCRATCH: u64 = 192 << 20;
/// Bytes kept of the run's own stderr in the author's log.
const LOG_CAP: usize = 16 * 1024;
/// Bytes of a check's SQL quoted in its message.
const QUOTE_CAP: usize = 300;

/// The sql kind.
#[derive(Debug)]
pub struct Sql;

impl ExerciseKind for Sql {
    fn validate(
        &self,
        dir: &std::path::Path,
        spec: &ExerciseSpec,
        problem: &mut dyn FnMut(&str, String),
    ) {
        match &spec.sql {
            None => problem(
                "sql",
                "expected a `sql` section (engines, mode, schema) for a `sql` exercise".to_owned(),
            ),
            Some(sql) => spec::validate(dir, sql, &mut |field: &str, message| {
                problem(field, message)
            }),
        }
        let files = &spec.submission.files;
        if !(files.len() == 1 && files[0].name.ends_with(".sql")) {
            problem(
                "submission.files",
                "expected exactly one .sql file for a `sql` exercise".to_owned(),
            );
        }
    }

    fn has_section(&self, spec: &ExerciseSpec) -> bool {
        spec.sql.is_some()
    }

    fn scaffold(&self) -> &'static [crate::templates::Template] {
        crate::templates::SQL
    }

    fn test_extension(&self) -> Option<&'static str> {
        Some(".sql")
    }

    /// A query that is not one read-only statement is refused before
    /// anything runs; the rest is one job.
    async fn grade<R: Runner>(
        &self,
        grader: &Grader<R>,
        exercise: &Exercise,
        submission: &Submission,
    ) -> GradeResult {
        if let Some(refusal) = refusal(exercise, submission) {
            return GradeResult::error(&exercise.id, ErrorKind::InvalidSubmission, refusal);
        }
        grader
            .batch(
                exercise,
                "sql",
                |key| archive(exercise, submission, key),
                |image| job(exercise, image),
                |outcome, key| interpret(exercise, outcome, key),
            )
            .await
    }
}

/// The exercise's `sql` section; validation makes sure a sql exercise has
/// one.
fn settings(exercise: &Exercise) -> Result<&SqlSpec, JobError> {
    exercise
        .spec
        .sql
        .as_ref()
        .ok_or(JobError::Exercise("the exercise has no `sql` section"))
}

/// The submission's one SQL file.
fn submitted_sql<'a>(exercise: &Exercise, submission: &'a Submission) -> Option<&'a [u8]> {
    let name = &exercise.spec.submission.files.first()?.name;
    submission.files.get(name).map(Vec::as_slice)
}

/// Refuses a query exercise's submission that is not one read-only
/// statement, before anything runs.
pub fn refusal(exercise: &Exercise, submission: &Submission) -> Option<String> {
    let sql = settings(exercise).ok()?;
    let text = String::from_utf8_lossy(submitted_sql(exercise, submission)?);
    match sql.mode {
        Mode::Query => statement::check_query(&text).err().map(|r| r.to_string()),
        Mode::Script => match statement::statements(&text) {
            Ok(statements) if statements.is_empty() => {
                Some("the file holds no SQL statement".to_owned())
            }
            Ok(_) => None,
            Err(refusal) => Some(refusal.to_string()),
        },
    }
}

/// The limits of a sql job.
pub fn limits(exercise: &Exercise) -> Limits {
    let mut limits = exercise.limits();
    if exercise.spec.limits.memory.is_none() {
        limits.memory = MEMORY;
    }
    limits.scratch = SCRATCH.min(limits.memory / 2);
    limits
}

/// The container side of the job. On PostgreSQL, the container starts the
/// server as soon as it starts, before its job comes: in a warm container
/// that is off the clock (`entry.py`, `grader_sql.prestart`).
pub fn job(exercise: &Exercise, image: String) -> Job {
    let postgres = settings(exercise).is_ok_and(|sql| sql.engines.contains(&Engine::Postgres));
    let env = if postgres {
        vec![("GRADER_PRELOAD".to_owned(), "postgres".to_owned())]
    } else {
        Vec::new()
    };
    Job {
        image,
        limits: limits(exercise),
        env,
        own_container: false,
    }
}

/// The job's files: the schema, the datasets, the reference and the
/// submission, and the manifest that runs the sql harness on them.
pub fn archive(
    exercise: &Exercise,
    submission: &Submission,
    key: &Key,
) -> Result<Archive, JobError> {
    let sql = settings(exercise)?;
    let name = &exercise
        .spec
        .submission
        .files
        .first()
        .ok_or(JobError::Exercise("the exercise names no submission file"))?
        .name;
    let read = |relative: String| exercise_file(exercise, &relative);
    let add = |archive: &mut Archive, name: &str, contents: Vec<u8>| {
        archive.add(name, contents).map_err(JobError::from)
    };
    let mut archive = Archive::new();
    add(&mut archive, "schema.sql", read(sql.schema.clone())?)?;
    let mut datasets = Vec::new();
    for test in &exercise.spec.tests {
        let path = format!("datasets/{}", test.file);
        add(&mut archive, &path, read(format!("tests/{}", test.file))?)?;
        datasets.push(manifest::Dataset {
            name: test.file.clone(),
            file: path,
        });
    }
    add(
        &mut archive,
        "reference/solution.sql",
        read(format!("reference/{name}"))?,
    )?;
    // A reference of its own for an engine whose dialect needs one.
    let mut references = std::collections::BTreeMap::new();
    for engine in &sql.engines {
        let Some(relative) = engine_reference(exercise, name, *engine)? else {
            continue;
        };
        let path = format!("reference/solution.{}.sql", engine.as_str());
        add(&mut archive, &path, read(relative)?)?;
        references.insert(engine.as_str(), path);
    }
    let submitted = submitted_sql(exercise, submission)
        .ok_or(JobError::Exercise("the submission has no SQL file"))?;
    add(&mut archive, "submission/solution.sql", submitted.to_vec())?;
    let checks = sql
        .checks
        .iter()
        .map(|check| manifest::Check {
            name: &check.name,
            sql: &check.sql,
        })
        .collect();
    let manifest = Manifest {
        key: key.as_str(),
        job: manifest::Job::Sql(manifest::SqlJob {
            engines: &sql.engines,
            mode: sql.mode,
            schema: "schema.sql",
            datasets,
            reference: "reference/solution.sql",
            submission: "submission/solution.sql",
            checks,
            references,
            search_path: &sql.search_path,
            timeout: sql.timeout().as_secs_f64(),
            max_rows: sql.max_rows(),
        }),
    };
    archive.set_manifest(manifest.to_json())?;
    Ok(archive)
}

/// A file of the exercise, by its path in the folder: never through a
/// link, within the cap.
fn exercise_file(exercise: &Exercise, relative: &str) -> Result<Vec<u8>, JobError> {
    Ok(crate::fsread::read_in(
        &exercise.dir,
        std::path::Path::new(relative),
        crate::exercise::MAX_EXERCISE_FILE,
    )?)
}

/// `reference/<stem>.<engine>.sql` (`query.postgres.sql` for `query.sql`)
/// when the exercise has one: the reference for that engine.
pub fn engine_reference(
    exercise: &Exercise,
    name: &str,
    engine: Engine,
) -> Result<Option<String>, FsReadError> {
    let stem = name.strip_suffix(".sql").unwrap_or(name);
    let relative = format!("reference/{stem}.{}.sql", engine.as_str());
    match crate::fsread::read_in(
        &exercise.dir,
        std::path::Path::new(&relative),
        crate::exercise::MAX_EXERCISE_FILE,
    ) {
        Ok(_) => Ok(Some(relative)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    /// An engine is up; `ready_ms` says how fast.
    Engine {},
    EngineError {
        engine: Engine,
        message: String,
    },
    SetupError {
        engine: Engine,
        dataset: String,
        message: String,
    },
    Outcome(RunOutcome),
    Done,
}

#[derive(Debug, Clone, Deserialize)]
struct RunOutcome {
    engine: Engine,
    dataset: String,
    check: Option<String>,
    who: Who,
    #[serde(default)]
    rows: Option<Rows>,
    #[serde(default)]
    error: Option<String>,
    /// `constraint` when a constraint refused the statement.
    #[serde(default)]
    class: Option<String>,
    /// The error is the statement timeout.
    #[serde(default)]
    timeout: bool,
    /// The error is the script's, before any check ran.
    #[serde(default)]
    script: bool,
    #[serde(default)]
    ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Who {
    Reference,
    Submission,
}

/// What the harness reported, keyed by engine, dataset and test name.
#[derive(Debug, Default)]
struct Report {
    outcomes: HashMap<(Engine, String, String, Who), RunOutcome>,
    /// Failures that are the exercise's or the grader's, not the learner's.
    infra: Vec<String>,
    done: bool,
    other_lines: Vec<String>,
}

impl Report {
    fn parse(stdout: &[u8], key: &Key) -> Report {
        let lines = channel::read(stdout, key);
        let mut report = Report {
            other_lines: lines.other,
            ..Report::default()
        };
        for json in &lines.payloads {
            match serde_json::from_str::<Event>(json) {
                Ok(Event::Engine {}) => {}
                Ok(Event::EngineError { engine, message }) => report.infra.push(format!(
                    "{} could not be started: {message}",
                    engine.as_str()
                )),
                Ok(Event::SetupError {
                    engine,
                    dataset,
                    message,
                }) => report.infra.push(format!(
                    "the schema and dataset {dataset} could not be loaded on {}: {message}",
                    engine.as_str()
                )),
                Ok(Event::Outcome(outcome)) => {
                    let name = outcome.check.clone().unwrap_or_else(|| "query".to_owned());
                    let key = (outcome.engine, outcome.dataset.clone(), name, outcome.who);
                    report.outcomes.insert(key, outcome);
                }
                Ok(Event::Done) => report.done = true,
                Err(error) => report
                    .infra
                    .push(format!("the harness's report could not be read: {error}")),
            }
        }
        report
    }
}

/// Turns what came back from the job into a result (author view).
pub fn interpret(exercise: &Exercise, outcome: &Outcome, key: &Key) -> GradeResult {
    let report = Report::parse(&outcome.stdout.bytes, key);
    let mut result = GradeResult::graded(
        &exercise.id,
        outcome.duration,
        Vec::new(),
        Output::run_log(outcome, "", &report.other_lines, LOG_CAP),
    );
    let Ok(sql) = settings(exercise) else {
        result.error = Some(error(ErrorKind::Infra, "the exercise has no `sql` section"));
        return result;
    };
    let stopped = crate::ending::stopped(outcome, &limits(exercise), Some(key));
    let mut infra = report.infra.clone();
    for test in &exercise.spec.tests {
        for name in sql.test_names() {
            for &engine in &sql.engines {
                let id = format!("{}::{name}[{}]", test.file, engine.as_str());
                let settings = exercise
                    .test_settings(&id)
                    .unwrap_or_else(TestSettings::unlisted);
                let key = |who| (engine, test.file.clone(), name.to_owned(), who);
                let reference = report.outcomes.get(&key(Who::Reference));
                let submitted = report.outcomes.get(&key(Who::Submission));
                let check_sql = sql
                    .checks
                    .iter()
                    .find(|check| check.name == name)
                    .map(|check| check.sql.as_str());
                let verdict = judge(sql, check_sql, reference, submitted, stopped.is_some());
                if let Verdict::Infra(message) = &verdict {
                    infra.push(format!("{id}: {message}"));
                }
                result.tests.push(test_result(
                    id,
                    format!("{name}[{}]", engine.as_str()),
                    settings,
                    verdict,
                    submitted.map_or(0, |outcome| outcome.ms),
                ));
            }
        }
    }

    let error = if let Some((kind, message)) = stopped {
        Some((kind, message))
    } else if let Some(first) = infra.first() {
        Some((ErrorKind::Infra, first.clone()))
    } else if !report.done {
        Some((
            ErrorKind::Crashed,
            "the run stopped before it finished".to_owned(),
        ))
    } else {
        None
    };
    if let Some((kind, message)) = error {
        result.error = Some(self::error(kind, message));
    }
    result.settle();
    result
}

fn error(kind: ErrorKind, message: impl Into<String>) -> GradeError {
    GradeError {
        kind,
        message: message.into(),
        learner_fault: kind.learner_fault(),
    }
}

#[derive(Debug, PartialEq)]
enum Verdict {
    Passed,
    Failed(String),
    /// Could not be judged: the run stopped first.
    NotRun(String),
    /// The reference failed where it must not: the exercise is broken.
    Infra(String),
}

fn judge(
    sql: &SqlSpec,
    check_sql: Option<&str>,
    reference: Option<&RunOutcome>,
    submitted: Option<&RunOutcome>,
    stopped: bool,
) -> Verdict {
    let (Some(reference), Some(submitted)) = (reference, submitted) else {
        return Verdict::NotRun(if stopped {
            "not run: the run was stopped".to_owned()
        } else {
            "not run: the run stopped before this test".to_owned()
        });
    };
    let quoted = check_sql.map(|sql| format!("check: {}\n", quote(sql)));
    match (
        &reference.rows,
        &reference.error,
        &submitted.rows,
        &submitted.error,
    ) {
        (_, Some(error), _, _) if sql.mode == Mode::Query || reference.script => {
            Verdict::Infra(format!("the reference solution failed: {error}"))
        }
        (Some(expected), _, Some(actual), _) => {
            match compare::compare(expected, actual, &sql.compare) {
                Ok(()) => Verdict::Passed,
                Err(account) => Verdict::Failed(format!("{}{account}", quoted.unwrap_or_default())),
            }
        }
        (Some(_), _, None, Some(error)) => {
            let what = match (sql.mode, submitted.script) {
                (Mode::Query, _) if submitted.timeout => {
                    "your query was stopped by the statement timeout".to_owned()
                }
                (Mode::Query, _) => format!("your query failed: {error}"),
                (Mode::Script, true) => error.clone(),
                (Mode::Script, false) => format!(
                    "expected this check to succeed, as it does after the reference solution; it failed: {error}"
                ),
            };
            Verdict::Failed(format!("{}{what}", quoted.unwrap_or_default()))
        }
        (None, Some(_), None, Some(error)) if submitted.script => {
            Verdict::Failed(format!("{}{error}", quoted.unwrap_or_default()))
        }
        (None, Some(_), None, Some(_)) if reference.class == submitted.class => Verdict::Passed,
        (None, Some(_), None, Some(error)) => {
            let expected = if reference.class.as_deref() == Some("constraint") {
                "expected a constraint to refuse this, as one does after the reference solution"
            } else {
                "expected this check to fail as it does after the reference solution"
            };
            Verdict::Failed(format!(
                "{}{expected}; it failed for another reason: {error}",
                quoted.unwrap_or_default()
            ))
        }
        (None, Some(_), Some(_), _) => Verdict::Failed(format!(
            "{}expected this check to fail, as it does after the reference solution; it succeeded",
            quoted.unwrap_or_default()
        )),
        _ => Verdict::Infra("the harness reported neither rows nor an error".to_owned()),
    }
}

fn quote(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.len() <= QUOTE_CAP {
        return one_line;
    }
    let mut cut = QUOTE_CAP;
    while !one_line.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &one_line[..cut])
}

fn test_result(
    id: String,
    name: String,
    settings: TestSettings,
    verdict: Verdict,
    duration_ms: u64,
) -> TestResult {
    let (status, message) = match verdict {
        Verdict::Passed => (TestStatus::Passed, None),
        Verdict::Failed(message) => (TestStatus::Failed, Some(message)),
        Verdict::NotRun(message) | Verdict::Infra(message) => (TestStatus::Error, Some(message)),
    };
    TestResult::judged(id, name, settings, status, message, duration_ms)
}
