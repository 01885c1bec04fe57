//! The course check benchmark: `Grader::check` of one exercise (its
//! reference, starter and every mutant or bug), and of the whole course as
//! `grader check exercises` runs it, two ways side by side:
//!
//! - **a container per grading**, each taken from a warm pool of one (how
//!   `grader check` ran before issue 16's item 3, and how learners'
//!   submissions always run);
//! - **shared containers**, as `grader check` runs (`check::many`): one
//!   container per exercise checked at once, passed on to the next
//!   exercise of the same kind of job, the gradings one after another in
//!   it, each a `docker exec` that its zygote forks with pytest or the web
//!   frameworks imported.
//!
//! For each it prints the wall time and the machine's CPU seconds (from
//! /proc/stat: everything on the machine counts, so run it on a quiet
//! one), p50 over the rounds, and shared ÷ per-grading. Every check must
//! hold. Rounds alternate the two ways. The course is checked as many at
//! once as the machine has CPUs, and shared once more with one more at once
//! (`grader check`'s default).
//!
//! `cargo bench -p grader --bench check` once the runner images are built.
//! Knobs: `GRADER_BENCH_ITERS` (3) rounds per exercise row;
//! `GRADER_BENCH_COURSE` (1) rounds of the whole course, 0 to skip it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use grader::check::ExerciseCheck;
use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, WarmPool};
use grader_testkit::bench::{busy_cpu_seconds, load_average, setting};

const EXERCISES: [&str; 4] = [
    "python/fizzbuzz",
    "pytest/test-slugify",
    "sql/cheap-products",
    "api/notes-crud",
];
const WARM_AGE: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    PerGrading,
    Shared,
}

/// Wall seconds and machine CPU seconds of one check.
#[derive(Clone, Copy)]
struct Took {
    wall: f64,
    cpu: f64,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::main]
async fn main() {
    let iters = setting::<usize>("GRADER_BENCH_ITERS", 3);
    let course_rounds = setting::<usize>("GRADER_BENCH_COURSE", 1);
    let sandbox = DockerSandbox::connect()
        .await
        .expect("this benchmark needs a running Docker engine");
    let images = Images::new(root().join("runner-images"));
    println!(
        "course check: a container per grading vs shared containers; load average {}",
        load_average()
    );
    println!(
        "{:<24} {:>9} {:>9} {:>7}   {:>9} {:>9} {:>7}",
        "exercise", "wall/gr.", "wall/sh.", "ratio", "CPU/gr.", "CPU/sh.", "ratio"
    );
    for exercise in EXERCISES {
        let dirs = vec![root().join("exercises").join(exercise)];
        let mut per_grading = Vec::new();
        let mut shared = Vec::new();
        for round in 0..iters {
            let order = if round % 2 == 0 {
                [Way::PerGrading, Way::Shared]
            } else {
                [Way::Shared, Way::PerGrading]
            };
            for way in order {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let took = check(&sandbox, &images, &dirs, way, 1).await;
                match way {
                    Way::PerGrading => per_grading.push(took),
                    Way::Shared => shared.push(took),
                }
            }
        }
        print_row(exercise, &per_grading, &shared);
    }
    if course_rounds > 0 {
        let dirs = grader::check::discover(&[root().join("exercises")]);
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        let mut per_grading = Vec::new();
        let mut shared = Vec::new();
        let mut shared_more = Vec::new();
        for _ in 0..course_rounds {
            tokio::time::sleep(Duration::from_secs(2)).await;
            per_grading.push(check(&sandbox, &images, &dirs, Way::PerGrading, cpus).await);
            tokio::time::sleep(Duration::from_secs(2)).await;
            shared.push(check(&sandbox, &images, &dirs, Way::Shared, cpus).await);
            tokio::time::sleep(Duration::from_secs(2)).await;
            shared_more.push(check(&sandbox, &images, &dirs, Way::Shared, cpus + 1).await);
        }
        let label = format!("course ({} ex., {cpus} at once)", dirs.len());
        print_row(&label, &per_grading, &shared);
        let label = format!("  shared {} at once", cpus + 1);
        print_row(&label, &per_grading, &shared_more);
    }
}

fn p50(values: &[Took], pick: impl Fn(&Took) -> f64) -> f64 {
    let mut picked: Vec<f64> = values.iter().map(pick).collect();
    picked.sort_by(f64::total_cmp);
    picked[(picked.len() - 1) / 2]
}

fn print_row(label: &str, per_grading: &[Took], shared: &[Took]) {
    let (wall_g, wall_e) = (
        p50(per_grading, |took| took.wall),
        p50(shared, |took| took.wall),
    );
    let (cpu_g, cpu_e) = (
        p50(per_grading, |took| took.cpu),
        p50(shared, |took| took.cpu),
    );
    println!(
        "{label:<24} {wall_g:>8.2}s {wall_e:>8.2}s {:>6.2}×   {cpu_g:>8.2}s {cpu_e:>8.2}s {:>6.2}×",
        wall_e / wall_g,
        cpu_e / cpu_g
    );
}

/// Checks `dirs`, `jobs` at once, the given way; every check must hold.
async fn check(
    sandbox: &DockerSandbox,
    images: &Images,
    dirs: &[PathBuf],
    way: Way,
    jobs: usize,
) -> Took {
    let cpu = busy_cpu_seconds();
    let started = Instant::now();
    match way {
        Way::PerGrading => {
            let pool = WarmPool::new(sandbox.clone(), 1, WARM_AGE);
            let mut checks = futures_util::stream::iter(dirs.iter().cloned())
                .map(|dir| {
                    let grader = Grader::new(pool.clone(), images.clone());
                    async move { holds(&grader.check(&dir).await) }
                })
                .buffer_unordered(jobs);
            while checks.next().await.is_some() {}
            pool.close(Duration::from_secs(10)).await;
        }
        Way::Shared => {
            let checks =
                grader::check::many(sandbox, images, dirs.to_vec(), jobs, |_| {}, |_, _| {}).await;
            checks.iter().for_each(holds);
        }
    }
    Took {
        wall: started.elapsed().as_secs_f64(),
        cpu: busy_cpu_seconds() - cpu,
    }
}

fn holds(check: &ExerciseCheck) {
    assert!(
        check.ok(),
        "{} does not hold: {:#?}",
        check.exercise,
        check
            .findings
            .iter()
            .filter(|finding| !finding.ok)
            .collect::<Vec<_>>()
    );
}
