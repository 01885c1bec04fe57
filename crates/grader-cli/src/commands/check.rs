//! `grader check [PATH ...]`: every exercise under the paths, checked
//! concurrently up to `--jobs`; a line per exercise as it finishes (under a
//! progress bar on a terminal, see `progress`), a summary at the end, or
//! JUnit XML for CI dashboards.

mod progress;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::bail;
use futures_util::StreamExt;
use grader::check::{self, ExerciseCheck};
use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, SharedRunner};

use crate::cli::{CheckArgs, CheckFormat};
use crate::locate;
use progress::Progress;

pub async fn run(images_dir: Option<&Path>, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let dirs = check::discover(&args.paths);
    if dirs.is_empty() {
        bail!(
            "found no exercise (a folder with exercise.yaml) under {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let images = Images::new(locate::images_dir(images_dir)?);
    let sandbox = DockerSandbox::connect().await?;
    sandbox.sweep().await?;
    let total = dirs.len();
    let progress = Progress::new(total);

    // References, starters and mutants are the author's code: they run one
    // after another in a shared container, each in a fresh process on a
    // fresh directory. An exercise takes a free runner and gives it back,
    // so the next one with the same kind of job finds its container (and
    // its imports) ready.
    let jobs = jobs(args.jobs);
    let runners = Mutex::new(
        (0..jobs)
            .map(|_| SharedRunner::new(sandbox.clone()))
            .collect::<Vec<_>>(),
    );
    let mut checks: Vec<ExerciseCheck> = Vec::with_capacity(total);
    let reporter = &progress;
    let runners_ref = &runners;
    let mut stream = futures_util::stream::iter(dirs)
        .map(|dir| {
            let images = images.clone();
            async move {
                let runner = take(runners_ref);
                reporter.started(&dir);
                let check = Grader::new(runner.clone(), images).check(&dir).await;
                runners_ref.lock().expect("not poisoned").push(runner);
                (dir, check)
            }
        })
        .buffer_unordered(jobs);
    while let Some((dir, check)) = stream.next().await {
        progress.finished(&dir, &check);
        checks.push(check);
    }
    drop(stream);
    for runner in runners.into_inner().expect("not poisoned") {
        runner.close().await;
    }
    progress.finish();
    checks.sort_by(|a, b| a.exercise.cmp(&b.exercise));

    match args.format {
        CheckFormat::Human => print!("{}", summary(&checks)),
        CheckFormat::Junit => print!("{}", grader::junit::checks(&checks)),
    }
    Ok(if checks.iter().all(ExerciseCheck::ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn summary(checks: &[ExerciseCheck]) -> String {
    let mut out = String::from("\n");
    let width = checks
        .iter()
        .map(|check| check.exercise.len())
        .max()
        .unwrap_or(8);
    out.push_str(&format!(
        "{:<width$}  {:>6}  {:>7}  {}\n",
        "EXERCISE", "CHECKS", "RESULT", "PROBLEMS"
    ));
    for check in checks {
        let held = check.findings.iter().filter(|finding| finding.ok).count();
        let problems: Vec<&str> = check
            .findings
            .iter()
            .filter(|finding| !finding.ok)
            .map(|finding| finding.subject.as_str())
            .collect();
        out.push_str(&format!(
            "{:<width$}  {:>3}/{:<2}  {:>7}  {}\n",
            check.exercise,
            held,
            check.findings.len(),
            if check.ok() { "ok" } else { "FAIL" },
            problems.join(", ")
        ));
    }
    let failed = checks.iter().filter(|check| !check.ok()).count();
    out.push_str(&format!(
        "\n{} exercises checked: {} ok, {failed} failed\n",
        checks.len(),
        checks.len() - failed
    ));
    out
}

/// A free runner: at most as many exercises are checked at once as there
/// are runners.
fn take(runners: &Mutex<Vec<SharedRunner>>) -> SharedRunner {
    runners
        .lock()
        .expect("not poisoned")
        .pop()
        .expect("one runner for each exercise checked at once")
}

/// `--jobs`, or as many as the machine has CPUs for this process.
fn jobs(asked: Option<usize>) -> usize {
    asked
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
        .max(1)
}
