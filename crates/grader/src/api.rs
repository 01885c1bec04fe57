//! The api kind: the learner's web app runs in the api runner image, with
//! no network; the grader reaches it through a tunnel over the job's stdin
//! and stdout ([`tunnel`]), waits until it answers, and runs the
//! exercise's HTTP scenarios against it with reqwest ([`steps`]). The
//! scenarios never enter the container.
//!
//! - [`spec`]: the `api:` section of exercise.yaml.
//! - [`cases`]: the case files (`tests/*.yaml`), validated strictly.
//! - [`jwt`]: tokens the grader mints to probe the app's auth.
//! - [`jsonpath`]: paths such as `$.items[0].id`.
//!
//! Tests are `<case file>::<scenario name>`.

pub mod cases;
pub mod jsonpath;
pub mod jwt;
pub mod spec;
pub mod steps;
pub mod tunnel;

use std::time::{Duration, Instant};

use grader_sandbox::{Archive, Job, Limits, Outcome, Runner};

use crate::exercise::{Exercise, TestSettings};
use crate::result::{ErrorKind, GradeError, GradeResult, Output, TestResult, TestStatus};
use crate::submission::Submission;

/// The wall time of a job unless the exercise sets one: the app's start
/// and every scenario.
const WALL_TIME: Duration = Duration::from_secs(60);
/// Memory unless the exercise sets it: a web framework and its server.
const MEMORY: u64 = 512 << 20;
/// Output unless the exercise sets it: the app's log and, through the
/// tunnel, every response it sends.
const OUTPUT: usize = 32 << 20;
/// The app's output shown when it does not come up, and kept in the log.
const LOG_CAP: usize = 16 * 1024;
const STARTUP_SHOWN: usize = 4096;
/// Between two readiness probes.
const PROBE_EVERY: Duration = Duration::from_millis(100);

/// The limits of an api job.
pub fn limits(exercise: &Exercise) -> Limits {
    let mut limits = exercise.limits();
    if exercise.spec.limits.wall_time.is_none() {
        limits.wall_time = WALL_TIME;
    }
    if exercise.spec.limits.memory.is_none() {
        limits.memory = MEMORY;
    }
    if exercise.spec.limits.output.is_none() {
        // Every response comes back through the job's stdout.
        limits.output = OUTPUT;
    }
    limits
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
    let mut files = Vec::new();
    for test in &exercise.spec.tests {
        match cases::load(&exercise.tests_dir().join(&test.file)) {
            Ok(cases) => files.push((test.file.clone(), cases)),
            Err(problems) => {
                return infra(format!("tests/{}: {}", test.file, problems.join("; ")));
            }
        }
    }
    let jwt_secret = hex::encode(rand::random::<[u8; 32]>());
    let archive = match archive(exercise, submission, &jwt_secret) {
        Ok(archive) => archive,
        Err(message) => return infra(format!("could not pack the job: {message}")),
    };
    let job = Job {
        image,
        limits: limits(exercise),
        env: Vec::new(),
    };
    let started = Instant::now();
    let session = match runner.session(&job, archive).await {
        Ok(session) => session,
        Err(error) => return infra(format!("could not start the app's container: {error}")),
    };
    let done = session.done;
    let tunnel = match tunnel::Tunnel::start(session.input, session.output).await {
        Ok(tunnel) => tunnel,
        Err(error) => {
            done.abort();
            return infra(format!("could not open the tunnel to the app: {error}"));
        }
    };
    // Redirects are answers to judge, never followed: following one would
    // let a learner's app make the grader fetch any address it names.
    let client = match reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => return infra(format!("could not make an HTTP client: {error}")),
    };
    let target = steps::Target {
        base: format!("http://{}", tunnel.addr),
        jwt_secret,
        timeout: api.request_timeout(),
    };

    let ready = wait_ready(
        &client,
        &target,
        &tunnel,
        &api.ready.path,
        api.ready_deadline(),
    )
    .await;
    let mut tests = Vec::new();
    if ready.is_ok() {
        for (file, cases) in &files {
            for scenario in &cases.scenarios {
                let id = format!("{file}::{}", scenario.name);
                let settings = exercise
                    .test_settings(&id)
                    .unwrap_or_else(TestSettings::unlisted);
                let began = Instant::now();
                let failure = match tunnel.exit_code() {
                    Some(code) => Some(format!("not run: the app had stopped (exit code {code})")),
                    None => steps::run_scenario(&client, &target, scenario).await,
                };
                tests.push(test_result(
                    id,
                    scenario.name.clone(),
                    settings,
                    failure,
                    began.elapsed(),
                ));
            }
        }
    }
    // Hanging up closes the job's stdin: the harness stops the app.
    drop(client);
    drop(tunnel);
    let outcome = match done.await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(error)) => return infra(format!("the app's container failed: {error}")),
        Err(error) => return infra(format!("watching the app's container failed: {error}")),
    };
    interpret(exercise, &outcome, ready, tests, started.elapsed())
}

/// The job's files: the submission and the manifest that starts it.
pub fn archive(
    exercise: &Exercise,
    submission: &Submission,
    jwt_secret: &str,
) -> Result<Archive, String> {
    let api = exercise.spec.api.as_ref().ok_or("no `api` section")?;
    let mut archive = Archive::new();
    for (name, contents) in &submission.files {
        archive
            .add(name, contents.clone())
            .map_err(|error| error.to_string())?;
    }
    let manifest = serde_json::json!({
        "api": {
            "start": api.start,
            "port": api.port,
            "jwt_secret": jwt_secret,
        }
    });
    archive
        .set_manifest(manifest.to_string())
        .map_err(|error| error.to_string())?;
    Ok(archive)
}

/// Why the app never became ready.
#[derive(Debug)]
enum NotReady {
    Exited(i32),
    Deadline,
}

/// Polls `path` until the app answers below 500. Connection failures are
/// retried here, and only here.
async fn wait_ready(
    client: &reqwest::Client,
    target: &steps::Target,
    tunnel: &tunnel::Tunnel,
    path: &str,
    deadline: Duration,
) -> Result<(), (NotReady, Duration)> {
    let started = Instant::now();
    loop {
        if let Some(code) = tunnel.exit_code() {
            return Err((NotReady::Exited(code), started.elapsed()));
        }
        let probe = client
            .get(format!("{}{path}", target.base))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if let Ok(response) = probe
            && response.status().as_u16() < 500
        {
            return Ok(());
        }
        if started.elapsed() >= deadline {
            return Err((NotReady::Deadline, started.elapsed()));
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
}

fn test_result(
    id: String,
    name: String,
    settings: TestSettings,
    failure: Option<String>,
    duration: Duration,
) -> TestResult {
    let status = match &failure {
        None => TestStatus::Passed,
        Some(message) if message.starts_with("not run") => TestStatus::Error,
        Some(_) => TestStatus::Failed,
    };
    TestResult::judged(
        id,
        name,
        settings,
        status,
        failure,
        duration.as_millis() as u64,
    )
}

fn interpret(
    exercise: &Exercise,
    outcome: &Outcome,
    ready: Result<(), (NotReady, Duration)>,
    tests: Vec<TestResult>,
    duration: Duration,
) -> GradeResult {
    let app_output = outcome.stderr.text();
    let mut result = GradeResult::graded(
        &exercise.id,
        duration,
        tests,
        Output::tail(&app_output, LOG_CAP, outcome.stderr.truncated()),
    );
    let path = exercise
        .spec
        .api
        .as_ref()
        .map_or("/", |api| api.ready.path.as_str());
    let error = match (
        crate::ending::stopped(outcome, &limits(exercise), None),
        ready,
    ) {
        (Some(stopped), _) => Some(stopped),
        (None, Err((why, waited))) => {
            let what = match why {
                NotReady::Exited(code) => {
                    format!("the app stopped (exit code {code}) before it answered GET {path}")
                }
                NotReady::Deadline => format!(
                    "the app did not answer GET {path} within {:.0}s",
                    waited.as_secs_f64()
                ),
            };
            let shown = Output::tail(&app_output, STARTUP_SHOWN, false).text;
            let output = if shown.trim().is_empty() {
                "it printed nothing".to_owned()
            } else {
                format!("its output:\n{shown}")
            };
            Some((ErrorKind::Crashed, format!("{what}; {output}")))
        }
        (None, Ok(())) => None,
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
