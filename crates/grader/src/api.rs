//! The api kind: the learner's web app runs in the api runner image, with
//! no network; the grader reaches it through a tunnel over the job's stdin
//! and stdout ([`tunnel`]), waits until it answers, and runs the
//! exercise's HTTP scenarios against it with reqwest ([`steps`]). The
//! scenarios never enter the container.
//!
//! The job's wall limit bounds the whole grading, from the moment its files
//! are sent: the wait for readiness, every scenario (each request waits at
//! most the time left) and the app's shutdown. When it passes, the
//! scenario running is reported as stopped by it, the rest as not run, and
//! the result is a `timeout` error; the sandbox kills the container at the
//! same limit. Nothing the app does (hang, exit, flood, break the tunnel)
//! keeps the grading past that limit and the few seconds it takes to stop
//! and remove the container ([`SHUTDOWN_GRACE`] at most), nor turns into an
//! `infra` error: a stream from the container is read as untrusted input.
//!
//! - [`spec`]: the `api:` section of exercise.yaml.
//! - [`cases`]: the case files (`tests/*.yaml`), validated strictly.
//! - [`run`]: readiness and the scenarios, against the job's deadline.
//! - [`jwt`]: tokens the grader mints to probe the app's auth.
//! - [`jsonpath`]: paths such as `$.items[0].id`.
//!
//! Tests are `<case file>::<scenario name>`.

pub mod cases;
pub mod jsonpath;
pub mod jwt;
pub mod ready;
pub mod run;
pub mod spec;
pub mod steps;
pub mod tunnel;

use std::time::{Duration, Instant};

use grader_sandbox::{Archive, Ending, Job, Limits, Outcome, Runner};

use crate::channel::Key;
use crate::exercise::{Exercise, ExerciseSpec};
use crate::grade::{Grader, JobError};
use crate::kind::ExerciseKind;
use crate::manifest::{self, Manifest};
use crate::result::{ErrorKind, GradeError, GradeResult, Output, TestResult, TestStatus};
use crate::submission::Submission;
use ready::NotReady;
use run::{Cases, Ran, Stop};

/// Memory unless the exercise sets it: a web framework and its server.
const MEMORY: u64 = 512 << 20;
/// Output unless the exercise sets it: the app's log and, through the
/// tunnel, every response it sends.
const OUTPUT: usize = 32 << 20;
/// Pids of a job with services unless the exercise sets them.
const SERVICES_PIDS: i64 = 160;
/// The scratch tmpfs of a job with services: PostgreSQL's cluster lives
/// there (it counts in the job's memory only as far as it is used).
const SERVICES_SCRATCH: u64 = 192 << 20;
/// The app's output shown when it does not come up, and kept in the log.
const LOG_CAP: usize = 16 * 1024;
const STARTUP_SHOWN: usize = 4096;
/// How long after the job's deadline the grader still waits for its
/// container to be stopped and removed (the sandbox kills it at the same
/// deadline).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The api kind.
#[derive(Debug)]
pub struct Api;

impl ExerciseKind for Api {
    fn validate(
        &self,
        dir: &std::path::Path,
        spec: &ExerciseSpec,
        problem: &mut dyn FnMut(&str, String),
    ) {
        match &spec.api {
            None => problem(
                "api",
                "expected an `api` section (start, port, ready) for an `api` exercise".to_owned(),
            ),
            Some(api) => spec::validate(dir, api, &mut |field: &str, message| {
                problem(field, message)
            }),
        }
        if let Some(pytest) = &spec.pytest {
            crate::pytest::spec::validate_for_app(dir, spec, pytest, problem);
        }
        // The case files that exist (a missing one is reported with its
        // field), validated strictly.
        let tests_dir = dir.join("tests");
        for test in &spec.tests {
            let path = tests_dir.join(&test.file);
            if grader_sandbox::archive::check_name(&test.file).is_err()
                || !test.file.ends_with(".yaml")
                || !path.is_file()
            {
                continue;
            }
            if let Err(case_problems) = cases::load(dir, &test.file) {
                for case_problem in case_problems {
                    problem(&format!("tests/{}", test.file), case_problem);
                }
            }
        }
    }

    fn has_section(&self, spec: &ExerciseSpec) -> bool {
        spec.api.is_some()
    }

    fn scaffold(&self) -> &'static [crate::templates::Template] {
        crate::templates::API
    }

    fn test_extension(&self) -> Option<&'static str> {
        Some(".yaml")
    }

    async fn grade<R: Runner>(
        &self,
        grader: &Grader<R>,
        exercise: &Exercise,
        submission: &Submission,
    ) -> GradeResult {
        let image = match grader.images().tag("api") {
            Ok(image) => image,
            Err(error) => {
                return GradeResult::error(&exercise.id, ErrorKind::Infra, error.to_string());
            }
        };
        if exercise.spec.pytest.is_none() {
            return grade(grader.runner(), image, exercise, submission).await;
        }
        // The learner's app and the learner's tests, judged side by side.
        let (scenarios, tests) = tokio::join!(
            grade(grader.runner(), image, exercise, submission),
            crate::pytest::grade_tests(grader, exercise, submission, crate::pytest::Target::App),
        );
        joined(scenarios, tests)
    }
}

/// One result of an app's and its tests' gradings: the scenarios' rows,
/// then the tests' (the learner's tests, then the bugs); the logs one
/// after the other. An `infra` error in either makes the whole one (no
/// part of an ungradable grading counts); otherwise the app's error, if
/// it had one, is the one said, else the tests'.
fn joined(mut scenarios: GradeResult, tests: GradeResult) -> GradeResult {
    let infra = |result: &GradeResult| {
        result
            .error
            .as_ref()
            .is_some_and(|error| error.kind == ErrorKind::Infra)
    };
    let app_infra = infra(&scenarios);
    if infra(&tests) || (scenarios.error.is_none() && tests.error.is_some()) {
        scenarios.error = tests.error.map(|mut error| {
            if error.kind != ErrorKind::Infra {
                error.message = format!("your tests: {}", error.message);
            }
            error
        });
    } else if let Some(error) = &mut scenarios.error
        && !app_infra
    {
        error.message = format!("your app: {}", error.message);
    }
    scenarios.tests.extend(tests.tests);
    scenarios.log = match (scenarios.log.take(), tests.log) {
        (Some(app), Some(tests)) => Some(Output {
            truncated: app.truncated || tests.truncated,
            text: format!(
                "--- your app, under the scenarios ---\n{}\n--- your tests, on the exercise's app ---\n{}",
                app.text, tests.text
            ),
        }),
        (app, tests) => app.or(tests),
    };
    scenarios.duration_ms = scenarios.duration_ms.max(tests.duration_ms);
    // Settled again from every row; an error decided above stays.
    scenarios.status = crate::result::Status::Error;
    scenarios.settle();
    scenarios
}

/// The limits of an api job: the exercise's, with more memory and output
/// unless it sets them. The wall time is the exercise's, like every kind's.
pub fn limits(exercise: &Exercise) -> Limits {
    let mut limits = exercise.limits();
    if exercise.spec.limits.memory.is_none() {
        limits.memory = MEMORY;
    }
    if exercise.spec.limits.output.is_none() {
        // Every response comes back through the job's stdout.
        limits.output = OUTPUT;
    }
    if has_services(exercise) {
        // PostgreSQL's processes and Redis's threads count in the job's
        // pids; the cluster's files on the scratch tmpfs in its memory.
        if exercise.spec.limits.pids.is_none() {
            limits.pids = SERVICES_PIDS;
        }
        limits.scratch = limits.scratch.max(SERVICES_SCRATCH);
    }
    limits
}

/// The container side of an api job. The container starts the app's
/// launcher as soon as it starts, before its job comes: in a warm container
/// the web frameworks are imported off the clock (`grader_launch.py`), and
/// for an exercise with services the clients of PostgreSQL and Redis too.
pub fn job(exercise: &Exercise, image: String) -> Job {
    let preload = if has_services(exercise) {
        "api-services"
    } else {
        "api"
    };
    Job {
        image,
        limits: limits(exercise),
        env: vec![("GRADER_PRELOAD".to_owned(), preload.to_owned())],
        own_container: false,
    }
}

fn has_services(exercise: &Exercise) -> bool {
    exercise
        .spec
        .api
        .as_ref()
        .is_some_and(|api| !api.services.is_empty())
}

/// Grades `submission` by running its app and the exercise's scenarios.
pub async fn grade<R: Runner>(
    runner: &R,
    image: String,
    exercise: &Exercise,
    submission: &Submission,
) -> GradeResult {
    let infra = |message: String| GradeResult::error(&exercise.id, ErrorKind::Infra, message);
    let Some(api) = exercise.spec.api.as_ref() else {
        return infra(format!("{} has no `api` section", exercise.id));
    };
    let files = match case_files(exercise) {
        Ok(files) => files,
        Err(error) => return infra(error),
    };
    let jwt_secret = hex::encode(rand::random::<[u8; 32]>());
    let key = Key::new();
    let archive = match archive(exercise, submission, &jwt_secret, &key) {
        Ok(archive) => archive,
        Err(error) => return infra(error.to_string()),
    };
    let job = job(exercise, image);
    let started = Instant::now();
    let session = match runner.session(&job, archive).await {
        Ok(session) => session,
        Err(error) => return infra(format!("could not start the app's container: {error}")),
    };
    // The files are on their way: the job's wall limit runs from here, as
    // the sandbox's does.
    let deadline = tokio::time::Instant::now() + job.limits.wall_time;
    let mut done = session.done;
    let (tunnel, client) = match connect(session.input, session.output).await {
        Ok(connected) => connected,
        Err(error) => {
            done.abort();
            return infra(error);
        }
    };
    let target = steps::Target {
        base: format!("http://{}", tunnel.addr),
        jwt_secret,
        timeout: api.request_timeout(),
        deadline,
    };

    let ready = ready::wait_ready(
        &client,
        &target,
        &tunnel,
        &api.ready.path,
        api.ready_deadline(),
    )
    .await;
    let cases = match ready {
        Ok(()) => run::run_cases(&client, &target, &tunnel, exercise, &files).await,
        Err(_) => Cases::default(),
    };
    // Hanging up closes the job's stdin: the harness stops the app.
    drop(client);
    drop(tunnel);
    let out_of_time =
        cases.stop == Some(Stop::Deadline) || matches!(ready, Err((NotReady::TimeLimit, _)));
    let outcome = match ended(&mut done, deadline, out_of_time, job.limits.wall_time).await {
        Ok(outcome) => outcome,
        Err(error) => return infra(error),
    };
    interpret(
        exercise,
        outcome,
        out_of_time,
        ready,
        cases,
        started.elapsed(),
        &key,
    )
}

/// The exercise's case files, each loaded and checked; the error names
/// the file.
fn case_files(exercise: &Exercise) -> Result<Vec<(String, cases::CaseFile)>, String> {
    let mut files = Vec::new();
    for test in &exercise.spec.tests {
        match cases::load(&exercise.dir, &test.file) {
            Ok(cases) => files.push((test.file.clone(), cases)),
            Err(problems) => {
                return Err(format!("tests/{}: {}", test.file, problems.join("; ")));
            }
        }
    }
    Ok(files)
}

/// The tunnel to the app's job and the client that speaks through it; the
/// error is an `infra` message.
async fn connect(
    input: tokio::sync::mpsc::UnboundedSender<bytes::Bytes>,
    output: tokio::sync::mpsc::UnboundedReceiver<bytes::Bytes>,
) -> Result<(tunnel::Tunnel, reqwest::Client), String> {
    let tunnel = tunnel::Tunnel::start(input, output)
        .await
        .map_err(|error| format!("could not open the tunnel to the app: {error}"))?;
    let client =
        http_client().map_err(|error| format!("could not make an HTTP client: {error}"))?;
    Ok((tunnel, client))
}

/// The grader's HTTP client for an app. Redirects are answers to judge,
/// never followed: following one would let a learner's app make the
/// grader fetch any address it names. A fresh connection per request: a
/// kept-alive one may have been closed by the app (after a 500, or by a
/// restart) just as it is reused, which would fail a step for the
/// grader's own reuse.
fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// How the app's job ended, waited for until its deadline and a grace;
/// the error is an `infra` message.
async fn ended(
    done: &mut tokio::task::JoinHandle<Result<Outcome, grader_sandbox::SandboxError>>,
    deadline: tokio::time::Instant,
    out_of_time: bool,
    wall_time: std::time::Duration,
) -> Result<Outcome, String> {
    match tokio::time::timeout_at(deadline + SHUTDOWN_GRACE, done).await {
        Ok(Ok(Ok(outcome))) => Ok(outcome),
        Ok(Ok(Err(error))) => Err(format!("the app's container failed: {error}")),
        Ok(Err(error)) => Err(format!("watching the app's container failed: {error}")),
        // The run reached its deadline and the engine is slow to stop it:
        // the time limit is what ended it; the container is still removed
        // by the task left behind.
        Err(_) if out_of_time => Ok(Outcome {
            ending: Ending::TimedOut,
            stdout: Default::default(),
            stderr: Default::default(),
            duration: wall_time,
        }),
        Err(_) => Err(format!(
            "the app's container did not stop within {}s of its time limit",
            SHUTDOWN_GRACE.as_secs()
        )),
    }
}

/// The job's files: the submission and the manifest that starts it.
pub fn archive(
    exercise: &Exercise,
    submission: &Submission,
    jwt_secret: &str,
    key: &Key,
) -> Result<Archive, JobError> {
    let api = exercise
        .spec
        .api
        .as_ref()
        .ok_or(JobError::Exercise("no `api` section"))?;
    let mut archive = Archive::new();
    for (name, contents) in &submission.files {
        archive.add(name, contents.clone())?;
    }
    let schema = schema(exercise)?;
    let manifest = Manifest {
        key: key.as_str(),
        job: manifest::Job::Api(manifest::ApiJob {
            start: &api.start,
            port: api.port,
            jwt_secret,
            services: &api.services,
            schema,
            worker: api.worker.as_deref(),
            env: &api.env,
        }),
    };
    archive.set_manifest(manifest.to_json())?;
    Ok(archive)
}

/// The exercise's schema's SQL, if it has one.
pub fn schema(exercise: &Exercise) -> Result<Option<String>, JobError> {
    let Some(schema) = exercise
        .spec
        .api
        .as_ref()
        .and_then(|api| api.schema.as_ref())
    else {
        return Ok(None);
    };
    Ok(Some(crate::fsread::read_to_string_in(
        &exercise.dir,
        std::path::Path::new(schema),
        crate::exercise::MAX_EXERCISE_FILE,
    )?))
}

/// Why the scenarios could not all run, said the same way for the one
/// that was running and for those after it.
enum Why {
    TimeLimit(Duration),
    Stopped(ErrorKind),
    AppExited(i32),
    ContainerEnded(i64),
    TunnelBroke,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::TimeLimit(limit) => write!(
                f,
                "the time limit of {} was reached",
                steps::show_duration(*limit)
            ),
            Why::Stopped(kind) => write!(f, "the run was stopped ({})", kind.as_str()),
            Why::AppExited(code) => write!(f, "the app had stopped (exit code {code})"),
            Why::ContainerEnded(code) => {
                write!(f, "the app's container stopped (exit code {code})")
            }
            Why::TunnelBroke => write!(
                f,
                "the tunnel to the app broke: its container sent something that is not a frame"
            ),
        }
    }
}

fn interpret(
    exercise: &Exercise,
    mut outcome: Outcome,
    out_of_time: bool,
    ready: Result<(), (NotReady, Duration)>,
    cases: Cases,
    duration: Duration,
    key: &Key,
) -> GradeResult {
    let limits = limits(exercise);
    // The grader's deadline and the sandbox's are one limit: whichever
    // struck first, the job ran out of time (the app may have exited
    // cleanly once the grader hung up at its deadline).
    if out_of_time && matches!(outcome.ending, Ending::Exited { .. }) {
        outcome.ending = Ending::TimedOut;
    }
    let stopped = crate::ending::stopped(&outcome, &limits, Some(key));
    let why = match (&stopped, cases.stop) {
        (Some((ErrorKind::Timeout, _)), _) => Why::TimeLimit(limits.wall_time),
        (Some((kind, _)), _) => Why::Stopped(*kind),
        (None, Some(Stop::AppExited(code))) => Why::AppExited(code),
        (None, Some(Stop::Ended(tunnel::Ended::Broken))) => Why::TunnelBroke,
        (None, _) => Why::ContainerEnded(exit_code(&outcome)),
    };
    let tests = cases
        .runs
        .into_iter()
        .map(|case| scenario_result(case, &why))
        .collect();

    let app_output = outcome.stderr.text();
    let mut result = GradeResult::graded(
        &exercise.id,
        duration,
        tests,
        Output::tail(&app_output, LOG_CAP, outcome.stderr.truncated()),
    );
    let error = match stopped {
        // Whichever limit stopped the wait, the time limit ended the job
        // before the app ever answered.
        Some((ErrorKind::Timeout, _)) if ready.is_err() => Some((
            ErrorKind::Timeout,
            format!(
                "the time limit of {} was reached before the app answered GET {}; {}",
                steps::show_duration(limits.wall_time),
                ready_path(exercise),
                its_output(&app_output)
            ),
        )),
        Some(stopped) => Some(stopped),
        None => ready.err().map(|(why, waited)| {
            (
                ErrorKind::Crashed,
                never_ready(exercise, why, waited, &outcome, &app_output),
            )
        }),
    };
    if let Some((kind, message)) = error {
        result.error = Some(GradeError {
            kind,
            message,
            learner_fault: kind.learner_fault(),
        });
    }
    result.settle();
    result
}

/// A scenario's row: judged, or why it was not (`why` the job stopped).
fn scenario_result(case: run::CaseRun, why: &Why) -> TestResult {
    let (status, message) = match case.ran {
        None => (TestStatus::Error, Some(format!("not run: {why}"))),
        Some(Ran::Judged(None)) => (TestStatus::Passed, None),
        Some(Ran::Judged(Some(message))) => (TestStatus::Failed, Some(message)),
        Some(Ran::OutOfTime(Some(step))) => (
            TestStatus::Error,
            Some(format!("{step}\n{why} while this scenario was running")),
        ),
        Some(Ran::OutOfTime(None) | Ran::Cut) => (
            TestStatus::Error,
            Some(format!("{why} while this scenario was running")),
        ),
    };
    TestResult::judged(
        case.id,
        case.name,
        case.settings,
        status,
        message,
        case.duration.as_millis() as u64,
    )
}

/// The path of the app's readiness probe.
fn ready_path(exercise: &Exercise) -> &str {
    exercise
        .spec
        .api
        .as_ref()
        .map_or("/", |api| api.ready.path.as_str())
}

/// The start of what the app printed, for a learner whose app never
/// answered.
fn its_output(app_output: &str) -> String {
    let shown = Output::tail(app_output, STARTUP_SHOWN, false).text;
    if shown.trim().is_empty() {
        "it printed nothing".to_owned()
    } else {
        format!("its output:\n{shown}")
    }
}

/// Why the app never answered its readiness probe, for the learner.
fn never_ready(
    exercise: &Exercise,
    why: NotReady,
    waited: Duration,
    outcome: &Outcome,
    app_output: &str,
) -> String {
    let path = ready_path(exercise);
    let what = match why {
        NotReady::Exited(code) => {
            format!("the app stopped (exit code {code}) before it answered GET {path}")
        }
        NotReady::Deadline | NotReady::TimeLimit => format!(
            "the app did not answer GET {path} within {:.0}s",
            waited.as_secs_f64()
        ),
        NotReady::Ended(tunnel::Ended::Broken) => {
            format!("{} before the app answered GET {path}", Why::TunnelBroke)
        }
        NotReady::Ended(tunnel::Ended::Closed) => format!(
            "{} before the app answered GET {path}",
            Why::ContainerEnded(exit_code(outcome))
        ),
    };
    format!("{what}; {}", its_output(app_output))
}

/// The container's exit code; -1 if it was stopped rather than exited.
fn exit_code(outcome: &Outcome) -> i64 {
    match outcome.ending {
        Ending::Exited { code } => code,
        _ => -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_jobs_wall_limit_is_the_exercises() {
        // It once defaulted to 60 s here while the exercise said 20 s: a
        // hanging app held a worker for every request timeout in turn.
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../exercises/api/notes-crud");
        let exercise = Exercise::load(&dir).unwrap();
        assert_eq!(exercise.spec.limits.wall_time, None);
        assert_eq!(limits(&exercise).wall_time, Duration::from_secs(20));
        assert_eq!(limits(&exercise).wall_time, exercise.limits().wall_time);
    }
}
