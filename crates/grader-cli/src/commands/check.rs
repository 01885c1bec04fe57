//! `grader check [PATH ...]`: every exercise under the paths, checked
//! concurrently up to `--jobs`; a line per exercise as it finishes (under a
//! progress bar on a terminal, see `progress`), a summary at the end, or
//! JUnit XML for CI dashboards.

mod progress;

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use grader::Images;
use grader::check::{self, ExerciseCheck};
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

    let strict = |check: ExerciseCheck| if args.strict { check.strict() } else { check };
    let mut checks: Vec<ExerciseCheck> = check::many(
        || SharedRunner::new(sandbox.clone()),
        &images,
        dirs,
        jobs(args.jobs),
        |dir| progress.started(dir),
        |dir, check| progress.finished(dir, &strict(check.clone())),
    )
    .await
    .into_iter()
    .map(strict)
    .collect();
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
        let problems: Vec<String> = check
            .findings
            .iter()
            .filter(|finding| !finding.ok || finding.warning)
            .map(|finding| {
                if finding.ok {
                    format!("warning: {}", finding.subject)
                } else {
                    finding.subject.clone()
                }
            })
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

/// `--jobs`, or one more than the machine has CPUs for this process: an
/// exercise's check also waits (an api app's readiness and polls, a
/// service's start), and the one more fills the cores meanwhile. On 2
/// cores the course takes 35 s against 42 s with 2 at once, for about
/// 7 % more CPU (crates/grader/benches/README.md).
fn jobs(asked: Option<usize>) -> usize {
    asked
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from) + 1)
        .max(1)
}
