//! `grader check [PATH ...]`: every exercise under the paths, checked
//! concurrently up to `--jobs`; a line per exercise as it finishes (under a
//! progress bar on a terminal, see `progress`), a summary at the end, or
//! JUnit XML for CI dashboards.

mod progress;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use futures_util::StreamExt;
use grader::check::{self, ExerciseCheck};
use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, WarmPool};

use crate::cli::{CheckArgs, CheckFormat};
use crate::locate;
use progress::Progress;

/// How long a warm container may wait for its job.
const WARM_AGE: std::time::Duration = std::time::Duration::from_secs(120);

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
    // The reference, the starter and the mutants of an exercise run the
    // same job: each after the first finds its container ready.
    let pool = WarmPool::new(sandbox, 1, WARM_AGE);
    let grader = Arc::new(Grader::new(pool.clone(), images));
    let total = dirs.len();
    let progress = Progress::new(total);

    let mut checks: Vec<ExerciseCheck> = Vec::with_capacity(total);
    let reporter = &progress;
    let mut stream = futures_util::stream::iter(dirs)
        .map(|dir| {
            let grader = Arc::clone(&grader);
            async move {
                reporter.started(&dir);
                let check = grader.check(&dir).await;
                (dir, check)
            }
        })
        .buffer_unordered(jobs(args.jobs));
    while let Some((dir, check)) = stream.next().await {
        progress.finished(&dir, &check);
        checks.push(check);
    }
    drop(stream);
    progress.finish();
    checks.sort_by(|a, b| a.exercise.cmp(&b.exercise));

    match args.format {
        CheckFormat::Human => print!("{}", summary(&checks)),
        CheckFormat::Junit => print!("{}", grader::junit::checks(&checks)),
    }
    pool.drain().await;
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

/// `--jobs`, or as many as the machine has CPUs for this process.
fn jobs(asked: Option<usize>) -> usize {
    asked
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
        .max(1)
}
