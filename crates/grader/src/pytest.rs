//! The pytest kind: the learner writes the tests. The exercise ships a
//! correct implementation (`implementation/`, never shown to learners) and
//! described bugs (`bugs/`, each a patch against it or a folder). The
//! learner's test files run against the correct implementation, where every
//! one must pass (one that fails is reported as failing on correct code,
//! with its message); then against each bug, which is caught when a test
//! that passed on correct code fails on it, errors, goes missing, or the run
//! does not finish. Each bug caught earns its points.
//!
//! Every run is a job of its own, in a container of its own, holding only
//! the learner's tests and the one implementation under test: learner tests
//! are learner code, and a container shared by several runs would let a
//! test leave something behind (a file in /tmp or /dev/shm, a process, a
//! SysV segment) that tells a later run it is not the first — the correct
//! implementation's run — and fail on purpose. In a fresh container a run
//! can tell the implementations apart only by running them. The bug runs go
//! side by side, a few at a time, once the correct run has passed tests,
//! with more runs on correct code among them (`interleaved`).
//!
//! Chance catches nothing: in each run a test starts from the same
//! pseudo-random state and runs again while it passes ([`REPEATS`] times),
//! and a test counts as catching only if it passed every time in every run
//! on correct code, those beside the bugs' included, with the same
//! neighbours. A test whose verdict changed on correct code is flaky: it is
//! failed, and no bug counts (`Unsteady`). A coin thrown with the system's
//! randomness survives four runs of five with a chance of 2^-20.
//!
//! In the container, pytest runs in a child of the entry process, a fresh
//! interpreter without the job's key (`grader_tests.py`): the child's word
//! covers only its own tests, and the entry process re-signs it. Only a
//! report that ends with `done` is a finished run. The implementation is
//! never on disk nor in that child: it runs in processes of its own that
//! the tests reach only by calls (`grader_impl.py`), so a test learns what
//! it does, never its code — which would tell a bug from the correct one
//! without testing anything.
//!
//! Tests of a result: the learner's, by their pytest id (no points: they
//! are what is judged), then one per bug, `bugs::<name>`, worth its
//! points, passed when caught. A bug's name is its description when the
//! author made it visible, else `hidden bug <n>`; its message (the
//! description, which tests caught it) is hidden with it. A bug's code is
//! never in a result.
//!
//! The same judgement serves an api exercise with a `pytest` section (a
//! capstone: the learner hands in an app and its tests): there the
//! implementation is the exercise's web app, which the learner's tests
//! reach over HTTP as a user of their own ([`Target::App`]; ARCHITECTURE.md,
//! "The learner's tests of an app").
//!
//! - [`spec`]: the `pytest:` section of exercise.yaml.

pub mod spec;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use futures_util::StreamExt;
use grader_sandbox::{Archive, Job, Outcome, Runner};

use crate::channel::Key;
use crate::exercise::{Exercise, ExerciseSpec, TestSettings, Visibility};
use crate::grade::{Grader, JobError};
use crate::kind::ExerciseKind;
use crate::manifest::{self, Manifest};
use crate::mutant::{self, Base};
use crate::report::{self, Report};
use crate::result::{ErrorKind, GradeError, GradeResult, Output, TestResult, TestStatus};
use crate::submission::Submission;
use spec::{BugSpec, PytestSpec};

/// Bytes kept of one test's captured output, and of its failure message.
const TEST_OUTPUT_CAP: usize = 4096;
const MESSAGE_CAP: usize = 4096;
/// Bytes kept of the correct run's stderr in the author's log.
const LOG_CAP: usize = 16 * 1024;
/// Times a learner's test runs in one run while it passes: on correct
/// code it must pass every time to catch anything, so with the runs on
/// correct code (`correct_runs_beside`) a test that passes by a coin's
/// throw counts with a chance of 2^-20 at most. (Three times, 2^-12, let
/// a coin earn full marks once in CI's twenty tries: about one grading in
/// four thousand.)
const REPEATS: u32 = 5;
/// Bug runs at once.
const BUG_RUNS_AT_ONCE: usize = 3;
/// Largest bug patch read.
const MAX_PATCH: u64 = 256 * 1024;
/// Tests named in a caught bug's message.
const NAMED_CATCHERS: usize = 5;

/// What a bug's patch applies to.
pub const IMPLEMENTATION: Base = Base {
    folder: "implementation",
    name: "implementation",
    role: "bug's patch",
    made: "bug",
};

/// The pytest kind.
#[derive(Debug)]
pub struct Pytest;

impl ExerciseKind for Pytest {
    fn validate(&self, dir: &Path, spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String)) {
        spec::validate(dir, spec, problem);
    }

    /// The learner writes the tests: the exercise has none of its own.
    fn has_section(&self, spec: &ExerciseSpec) -> bool {
        spec.pytest.is_some()
    }

    fn scaffold(&self) -> &'static [crate::templates::Template] {
        crate::templates::PYTEST
    }

    fn test_extension(&self) -> Option<&'static str> {
        None
    }

    async fn grade<R: Runner>(
        &self,
        grader: &Grader<R>,
        exercise: &Exercise,
        submission: &Submission,
    ) -> GradeResult {
        grade_tests(grader, exercise, submission, Target::Module).await
    }
}

/// What the learner's tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Modules they import (the pytest kind), in the python image.
    Module,
    /// The exercise's web app, which they reach over HTTP at `BASE_URL`
    /// (an api exercise with a `pytest` section), in the api image: the
    /// app and its services as the job's user, the tests as a user of
    /// their own (`grader_tests.py`), so a container of its own.
    App,
}

impl Target {
    fn image(self) -> &'static str {
        match self {
            Target::Module => "python",
            Target::App => "api",
        }
    }
}

/// The learner's tests, judged by the bugs of the exercise's `pytest`
/// section they catch: their rows, then one per bug.
pub async fn grade_tests<R: Runner>(
    grader: &Grader<R>,
    exercise: &Exercise,
    submission: &Submission,
    target: Target,
) -> GradeResult {
    let infra = |message: String| GradeResult::error(&exercise.id, ErrorKind::Infra, message);
    let Some(spec) = exercise.spec.pytest.as_ref() else {
        return infra(format!("{} has no `pytest` section", exercise.id));
    };
    let image = match grader.images().tag(target.image()) {
        Ok(image) => image,
        Err(error) => return infra(error.to_string()),
    };
    let correct = match implementation(exercise, spec) {
        Ok(files) => files,
        Err(error) => return infra(error.to_string()),
    };
    // Every bug is made before anything runs: one that cannot be is
    // the exercise's fault, not the learner's.
    let bugs = match make_bugs(exercise, spec, &correct) {
        Ok(bugs) => bugs,
        Err(error) => return infra(error.to_string()),
    };
    let on_correct = match run(
        grader,
        exercise,
        spec,
        submission,
        &correct,
        image.clone(),
        target,
    )
    .await
    {
        Ok(ran) => ran,
        Err(error) => return infra(error.to_string()),
    };
    let (mut result, catchers) = on_correct_code(exercise, submission, &on_correct);
    // A run on correct code that did not finish is no baseline: a test
    // that ends the run (os._exit, a limit) would end it on every bug
    // too, and count as catching them all.
    let verdicts: Vec<Verdict> = if catchers.is_empty() || result.error.is_some() {
        bugs.iter().map(|_| Verdict::NotRun).collect()
    } else {
        let grading = Grading {
            grader,
            exercise,
            spec,
            submission,
            image,
            target,
        };
        let baseline = Baseline {
            correct: &correct,
            ran: &on_correct,
            catchers: &catchers,
        };
        match bug_verdicts(&grading, &baseline, &bugs, &mut result.tests).await {
            Ok(verdicts) => verdicts,
            Err(error) => return infra(error.to_string()),
        }
    };
    for (number, ((bug, _), verdict)) in bugs.iter().zip(verdicts).enumerate() {
        result.tests.push(bug_result(bug, number + 1, verdict));
    }
    result.settle();
    result
}

/// What every run of one grading shares.
struct Grading<'a, R> {
    grader: &'a Grader<R>,
    exercise: &'a Exercise,
    spec: &'a PytestSpec,
    submission: &'a Submission,
    image: String,
    target: Target,
}

/// The first run on correct code: its files, how it went, and the tests
/// that passed there (the ones that may catch a bug).
struct Baseline<'a> {
    correct: &'a Files,
    ran: &'a Ran,
    catchers: &'a BTreeSet<String>,
}

/// The bugs' runs, and more runs on correct code among them, at the same
/// concurrency: a test counts only if it passed in every run on correct
/// code, so chance, timing and load catch nothing. Unsteady tests are
/// marked in `tests`; the error is an `infra` message.
async fn bug_verdicts<R: Runner>(
    grading: &Grading<'_, R>,
    baseline: &Baseline<'_>,
    bugs: &[(&BugSpec, Files)],
    tests: &mut [TestResult],
) -> Result<Vec<Verdict>, Failure> {
    let plan = interleaved(bugs.len());
    // Collected with a loop, not `map`: a closure returning the future
    // would not be general enough for the grading to be Send.
    let mut runs = Vec::new();
    for step in &plan {
        let files = step.map_or(baseline.correct, |bug| &bugs[bug].1);
        let image = grading.image.clone();
        runs.push(async move {
            run(
                grading.grader,
                grading.exercise,
                grading.spec,
                grading.submission,
                files,
                image,
                grading.target,
            )
            .await
        });
    }
    let ran: Vec<Ran> = futures_util::stream::iter(runs)
        .buffered(BUG_RUNS_AT_ONCE)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let again: Vec<&Ran> = plan
        .iter()
        .zip(&ran)
        .filter_map(|(step, ran)| step.is_none().then_some(ran))
        .collect();
    for ran in &again {
        let ending = crate::ending::stopped(&ran.outcome, &ran.job.limits, Some(&ran.key));
        if let Some((ErrorKind::Infra, message)) = ending {
            return Err(Failure::Run(message));
        }
    }
    if let Err(unsteady) = steady(baseline.catchers, baseline.ran, &again) {
        unsteady.mark(tests);
        let why = unsteady.reason();
        return Ok(bugs
            .iter()
            .map(|_| Verdict::Unsteady(why.clone()))
            .collect());
    }
    plan.iter()
        .zip(&ran)
        .filter(|(step, _)| step.is_some())
        .map(|(_, ran)| judge_bug(ran, baseline.catchers, grading.target))
        .collect()
}

/// More runs on correct code beside the bugs' (beside the first, which
/// ran alone): one with the first bugs, one with the last, one between,
/// and one more every six bugs.
fn correct_runs_beside(bugs: usize) -> usize {
    3 + bugs / 6
}

/// The order of the runs after the first: `None` for a run on correct
/// code, `Some(n)` for bug `n`; the runs on correct code spread among the
/// bugs', first and last included, so that each bug's run has one on
/// correct code near it, with the same neighbours.
fn interleaved(bugs: usize) -> Vec<Option<usize>> {
    let corrects = correct_runs_beside(bugs);
    let gaps = corrects - 1;
    let mut plan = Vec::with_capacity(bugs + corrects);
    for slot in 0..corrects {
        plan.push(None);
        if slot < gaps {
            plan.extend((bugs * slot / gaps..bugs * (slot + 1) / gaps).map(Some));
        }
    }
    plan
}

/// Why the learner's tests cannot judge the bugs: their runs on correct
/// code did not agree.
#[derive(Debug)]
enum Unsteady {
    /// A later run on correct code did not finish (a test that ends the
    /// run now and then would end a bug's run, and count as catching it).
    Stopped(String),
    /// Tests whose outcome changed from one run on correct code to
    /// another: how many runs they passed, of how many.
    Flaky(BTreeMap<String, (usize, usize)>),
}

impl Unsteady {
    fn reason(&self) -> String {
        match self {
            Unsteady::Stopped(how) => format!(
                "one of your tests' runs on the correct implementation did not finish ({how})"
            ),
            Unsteady::Flaky(tests) => format!(
                "your tests gave different verdicts on the same correct implementation ({} flaky)",
                tests.len()
            ),
        }
    }

    /// Says on each flaky test that it is, and fails it: a test whose
    /// verdict is chance's judges nothing.
    fn mark(&self, tests: &mut [TestResult]) {
        let Unsteady::Flaky(flaky) = self else {
            return;
        };
        for test in tests {
            if let Some((passed, runs)) = flaky.get(&test.id) {
                test.status = TestStatus::Failed;
                test.message = Some(format!(
                    "flaky: this test passed in {passed} of {runs} runs on the correct \
                     implementation; a test whose verdict depends on chance, timing or what \
                     runs beside it catches nothing"
                ));
            }
        }
    }
}

/// Whether every later run on correct code finished, and each test that
/// ran in the first passed, or failed, in all of them.
fn steady(catchers: &BTreeSet<String>, first: &Ran, again: &[&Ran]) -> Result<(), Unsteady> {
    if let Some(how) = again.iter().find_map(|ran| unfinished(ran)) {
        return Err(Unsteady::Stopped(how));
    }
    let runs = again.len() + 1;
    let mut flaky = BTreeMap::new();
    for id in first.report.results.keys() {
        let passed = |ran: &&&Ran| {
            ran.report
                .results
                .get(id)
                .is_some_and(|event| event.outcome == report::Outcome::Passed)
        };
        let passes = usize::from(catchers.contains(id)) + again.iter().filter(passed).count();
        if passes != 0 && passes != runs {
            flaky.insert(id.clone(), (passes, runs));
        }
    }
    if flaky.is_empty() {
        Ok(())
    } else {
        Err(Unsteady::Flaky(flaky))
    }
}

/// An implementation's files, by name.
type Files = BTreeMap<String, Vec<u8>>;

/// Why a grading of this kind could not be done: the exercise's or the
/// grader's fault, never the learner's, so an `infra` result.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// A job could not be packed or run.
    #[error(transparent)]
    Job(#[from] JobError),
    /// A bug's files could not be made from its folder or its patch.
    #[error("could not make bug {name}: {source}")]
    Bug {
        name: String,
        #[source]
        source: Box<BugError>,
    },
    /// A run ended by the grader's fault (`ErrorKind::Infra`).
    #[error("{0}")]
    Run(String),
}

/// Why a bug's files could not be made.
#[derive(Debug, thiserror::Error)]
enum BugError {
    #[error("{}", .0.with_cause())]
    Read(#[from] crate::fsread::FsReadError),
    #[error(transparent)]
    Patch(#[from] mutant::MutantError),
}

/// Every bug's files, or why one cannot be made.
fn make_bugs<'a>(
    exercise: &Exercise,
    spec: &'a PytestSpec,
    correct: &Files,
) -> Result<Vec<(&'a BugSpec, Files)>, Failure> {
    spec.bugs
        .iter()
        .map(|bug| {
            bug_files(exercise, spec, correct, bug)
                .map(|files| (bug, files))
                .map_err(|source| Failure::Bug {
                    name: bug.name.clone(),
                    source: Box::new(source),
                })
        })
        .collect()
}

/// The result as the run on correct code makes it — the learner's tests,
/// the error that stopped the run, the log — and the tests that passed
/// there, the ones that may catch a bug.
fn on_correct_code(
    exercise: &Exercise,
    submission: &Submission,
    ran: &Ran,
) -> (GradeResult, BTreeSet<String>) {
    let mut result = GradeResult::graded(
        &exercise.id,
        // `Grader::grade` times the whole: every run, side by side.
        std::time::Duration::ZERO,
        Vec::new(),
        Output::run_log(&ran.outcome, "", &ran.report.other_lines, LOG_CAP),
    );
    let (tests, error) = judge_correct(submission, ran);
    let catchers = tests
        .iter()
        .filter(|test| test.status == TestStatus::Passed)
        .map(|test| test.id.clone())
        .collect();
    result.tests = tests;
    if let Some((kind, message)) = error {
        result.error = Some(GradeError {
            kind,
            message,
            learner_fault: kind.learner_fault(),
        });
    }
    (result, catchers)
}

/// The correct implementation's files.
fn implementation(exercise: &Exercise, spec: &PytestSpec) -> Result<Files, JobError> {
    Ok(read_files(exercise, "implementation", &spec.files)?)
}

/// The files `names` of the exercise's folder `folder`.
fn read_files(
    exercise: &Exercise,
    folder: &str,
    names: &[String],
) -> Result<Files, crate::fsread::FsReadError> {
    names
        .iter()
        .map(|name| {
            let relative = format!("{folder}/{name}");
            crate::fsread::read_in(
                &exercise.dir,
                Path::new(&relative),
                crate::exercise::MAX_EXERCISE_FILE,
            )
            .map(|contents| (name.clone(), contents))
        })
        .collect()
}

/// A bug's files: its folder's, or the implementation's with its patch.
fn bug_files(
    exercise: &Exercise,
    spec: &PytestSpec,
    correct: &Files,
    bug: &BugSpec,
) -> Result<Files, BugError> {
    let patch = format!("bugs/{}.patch", bug.name);
    match crate::fsread::read_to_string_in(&exercise.dir, Path::new(&patch), MAX_PATCH) {
        Ok(text) => {
            let names: Vec<&str> = spec.files.iter().map(String::as_str).collect();
            Ok(mutant::patch_files(
                &IMPLEMENTATION,
                correct.clone(),
                &names,
                &patch,
                &text,
            )?)
        }
        Err(error) if error.is_not_found() => Ok(read_files(
            exercise,
            &format!("bugs/{}", bug.name),
            &spec.files,
        )?),
        Err(error) => Err(error.into()),
    }
}

/// One run of the learner's tests, against one implementation.
struct Ran {
    outcome: Outcome,
    report: Report,
    key: Key,
    job: Job,
}

async fn run<R: Runner>(
    grader: &Grader<R>,
    exercise: &Exercise,
    spec: &PytestSpec,
    submission: &Submission,
    implementation: &Files,
    image: String,
    target: Target,
) -> Result<Ran, JobError> {
    let key = Key::new();
    let job = match target {
        Target::Module => Job {
            image,
            limits: exercise.limits(),
            // A warm container has the learner's pytest started, pytest
            // imported, before the job comes (`grader_tests.py`).
            env: vec![("GRADER_PRELOAD".to_owned(), "tests".to_owned())],
            own_container: false,
        },
        Target::App => Job {
            image,
            // The app and its services run in the job: an api job's limits.
            limits: crate::api::limits(exercise),
            // The learner's pytest is started as a user of its own while
            // the container's first process is still root (`entry.py`).
            env: vec![("GRADER_PRELOAD".to_owned(), "app-tests".to_owned())],
            own_container: true,
        },
    };
    let jwt_secret = hex::encode(rand::random::<[u8; 32]>());
    let app = match target {
        Target::Module => None,
        Target::App => Some(app_under_test(exercise, &jwt_secret)?),
    };
    let archive = archive(spec, submission, implementation, &key, app)?;
    let outcome = grader.run(&job, archive).await?;
    let report = Report::parse(&outcome.stdout.bytes, &key);
    Ok(Ran {
        outcome,
        report,
        key,
        job,
    })
}

/// The exercise's app as the learner's tests' job serves it.
fn app_under_test<'a>(
    exercise: &'a Exercise,
    jwt_secret: &'a str,
) -> Result<manifest::AppUnderTest<'a>, JobError> {
    let api = exercise
        .spec
        .api
        .as_ref()
        .ok_or(JobError::Exercise("no `api` section"))?;
    Ok(manifest::AppUnderTest {
        start: &api.start,
        port: api.port,
        jwt_secret,
        services: &api.services,
        schema: crate::api::schema(exercise)?,
        env: &api.env,
        ready_path: &api.ready.path,
        ready_deadline: api.ready_deadline().as_secs_f64(),
    })
}

/// The job's files: the learner's test files and the implementation side
/// by side, and the manifest that runs the learner's tests.
pub fn archive(
    spec: &PytestSpec,
    submission: &Submission,
    implementation: &Files,
    key: &Key,
    app: Option<manifest::AppUnderTest<'_>>,
) -> Result<Archive, JobError> {
    let tests: Vec<(&String, &Vec<u8>)> = submission
        .files
        .iter()
        // On an api exercise the rest is the learner's app, which the
        // tests' job never holds.
        .filter(|(name, _)| app.is_none() || crate::exercise::is_test_file(name))
        .collect();
    let mut archive = Archive::new();
    for (name, contents) in tests.iter().copied().chain(implementation) {
        archive.add(name, contents.clone())?;
    }
    let manifest = Manifest {
        key: key.as_str(),
        job: manifest::Job::Tests(manifest::TestsJob {
            files: tests.iter().map(|(name, _)| name.as_str()).collect(),
            implementation: implementation.keys().map(String::as_str).collect(),
            test_timeout: spec.test_timeout().map(|timeout| timeout.as_secs_f64()),
            repeat: REPEATS,
            output_cap: TEST_OUTPUT_CAP,
            message_cap: MESSAGE_CAP,
            app,
        }),
    };
    archive.set_manifest(manifest.to_json())?;
    Ok(archive)
}

/// The learner's tests as they ran on the correct implementation, and the
/// error that stopped the run, if one did. A row counts only for a test
/// collected from one of the learner's files: ids such as `bugs::<name>`
/// are the grader's own.
fn judge_correct(
    submission: &Submission,
    ran: &Ran,
) -> (Vec<TestResult>, Option<(ErrorKind, String)>) {
    let report = &ran.report;
    let learners = |id: &str| {
        id.split_once("::")
            .is_some_and(|(file, _)| submission.files.contains_key(file))
    };
    let tests = report
        .collected
        .iter()
        .flatten()
        .filter(|test| learners(&test.id))
        .map(|test| correct_row(report, test))
        .collect();
    (tests, correct_run_error(ran))
}

/// A learner's test as it went on correct code.
fn correct_row(report: &report::Report, test: &report::CollectedTest) -> TestResult {
    let settings = TestSettings {
        points: 0.0,
        visibility: Visibility::Visible,
        task: None,
        tags: Vec::new(),
    };
    let (status, message, output, duration) = match report.results.get(&test.id) {
        Some(event) => {
            let status = event.outcome.status();
            let message = match status {
                TestStatus::Passed => None,
                TestStatus::Skipped => Some(format!("skipped: {}", event.message)),
                _ => Some(format!(
                    "this test fails on correct code:\n{}",
                    event.message
                )),
            };
            let output = (!event.output.is_empty()).then(|| Output {
                text: event.output.clone(),
                truncated: event.output_truncated,
            });
            (status, message, output, event.duration)
        }
        None => {
            let why = if report.running.as_deref() == Some(test.id.as_str()) {
                "this test was running on correct code when the run stopped"
            } else {
                "not run: the run on correct code stopped before this test"
            };
            (TestStatus::Error, Some(why.to_owned()), None, 0.0)
        }
    };
    test.row(settings, status, message, output, duration)
}

/// What stopped the run on correct code, if anything did: the learner's
/// to mend (a test that cannot load, exits, or finds nothing).
fn correct_run_error(ran: &Ran) -> Option<(ErrorKind, String)> {
    let report = &ran.report;
    let stopped = crate::ending::stopped(&ran.outcome, &ran.job.limits, Some(&ran.key));
    let on_correct = |message: String| format!("on the correct implementation, {message}");
    if let Some((kind, message)) = stopped {
        Some((kind, on_correct(message)))
    } else if report.cut {
        Some((
            ErrorKind::Crashed,
            "the test report was cut short: lines of it went missing, which only code \
             running in the tests' container can do"
                .to_owned(),
        ))
    } else if !report.defects.is_empty() {
        // Signed lines carry the learner's text: one the grader cannot
        // read is the learner's doing, never a free retry.
        Some((
            ErrorKind::Crashed,
            format!("the test report could not be read: {}", report.defects[0]),
        ))
    } else if let Some(error) = report.collect_errors.first() {
        Some((
            ErrorKind::Crashed,
            format!(
                "your test file {} could not load:\n{}",
                error.file, error.message
            ),
        ))
    } else if report.exit_code.is_none() {
        Some((
            ErrorKind::Crashed,
            on_correct(
                "your tests did not finish: pytest stopped before it reported its end \
                 (a test that exits the interpreter, or kills it)"
                    .to_owned(),
            ),
        ))
    } else if report.collected.as_ref().is_none_or(Vec::is_empty) {
        Some((
            ErrorKind::InvalidSubmission,
            "pytest found no test in your files: a test is a function whose name starts \
             with `test`"
                .to_owned(),
        ))
    } else {
        None
    }
}

/// What a bug's run says of it.
enum Verdict {
    /// The tests that caught it (failed, errored or did not run on it).
    Caught(Vec<String>),
    /// The run did not finish: a limit, or the interpreter gone.
    Stopped(String),
    Missed,
    /// No bug run: no test passed on the correct implementation.
    NotRun,
    /// The runs on correct code disagreed: nothing the tests said counts.
    Unsteady(String),
}

/// Whether a run ended without a whole report: stopped by a limit, a
/// report that cannot be read (it carries the learner's text: their
/// tests' doing, as a crash is), cut short, without its end, or with a
/// test file that could not load.
fn unfinished(ran: &Ran) -> Option<String> {
    let report = &ran.report;
    if let Some((kind, _)) = crate::ending::stopped(&ran.outcome, &ran.job.limits, Some(&ran.key)) {
        return Some(kind.as_str().to_owned());
    }
    (!report.defects.is_empty()
        || report.cut
        || report.exit_code.is_none()
        || !report.collect_errors.is_empty())
    .then(|| "crashed".to_owned())
}

fn judge_bug(ran: &Ran, catchers: &BTreeSet<String>, target: Target) -> Result<Verdict, Failure> {
    let report = &ran.report;
    let stopped = crate::ending::stopped(&ran.outcome, &ran.job.limits, Some(&ran.key));
    if let Some((ErrorKind::Infra, message)) = stopped {
        return Err(Failure::Run(message));
    }
    // An app's run also spends its time limit on starting the app and its
    // database, which the learner does not control: a run that only ran
    // out of time may have done so by the machine's load, so it catches
    // nothing (a bug that hangs the app is caught by the test that waits
    // for it, at the per-test limit).
    if target == Target::App
        && let Some((ErrorKind::Timeout, _)) = stopped
    {
        return Ok(Verdict::Unsteady(
            "your tests did not finish on it within the time limit, which here also counts \
             starting the app and its database; a run that only runs out of time catches \
             nothing"
                .to_owned(),
        ));
    }
    if let Some(how) = unfinished(ran) {
        return Ok(Verdict::Stopped(how));
    }
    let caught: Vec<String> = catchers
        .iter()
        .filter(|id| {
            report
                .results
                .get(id.as_str())
                .is_none_or(|event| event.outcome != report::Outcome::Passed)
        })
        .cloned()
        .collect();
    Ok(if caught.is_empty() {
        Verdict::Missed
    } else {
        Verdict::Caught(caught)
    })
}

fn bug_result(bug: &BugSpec, number: usize, verdict: Verdict) -> TestResult {
    let visibility = if bug.visible {
        Visibility::Visible
    } else {
        Visibility::Hidden
    };
    let name = if bug.visible {
        bug.description.clone()
    } else {
        format!("hidden bug {number}")
    };
    let (status, message) = match verdict {
        Verdict::Caught(ids) => {
            let mut named = ids
                .iter()
                .take(NAMED_CATCHERS)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if ids.len() > NAMED_CATCHERS {
                named.push_str(&format!(" and {} more", ids.len() - NAMED_CATCHERS));
            }
            (
                TestStatus::Passed,
                format!("caught: {}\nby {named}", bug.description),
            )
        }
        Verdict::Stopped(how) => (
            TestStatus::Passed,
            format!(
                "caught: {}\nyour tests did not finish on it ({how})",
                bug.description
            ),
        ),
        Verdict::Missed => (
            TestStatus::Failed,
            format!(
                "missed: {}\nevery test of yours passes on it",
                bug.description
            ),
        ),
        Verdict::Unsteady(why) => (
            TestStatus::Failed,
            format!("missed: {}\nnot counted: {why}", bug.description),
        ),
        Verdict::NotRun => (
            TestStatus::Failed,
            format!(
                "missed: {}\nnot run: your tests must finish, and pass, on the correct implementation first",
                bug.description
            ),
        ),
    };
    TestResult::judged(
        format!("bugs::{}", bug.name),
        name,
        TestSettings {
            points: bug.points,
            visibility,
            task: None,
            tags: Vec::new(),
        },
        status,
        Some(message),
        0,
    )
}
