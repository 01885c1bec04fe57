//! The course check benchmark: `Grader::check` of one exercise (its
//! reference, starter and every mutant or bug), and of the whole course as
//! `grader check exercises` runs it, three ways side by side:
//!
//! - **a container per grading**, each taken from a warm pool of one (how
//!   `grader check` ran before issue 16's item 3, and how learners'
//!   submissions always run);
//! - **shared, exec'd**: shared containers as `grader check` runs them
//!   (`check::many`: one per exercise checked at once, passed on to the
//!   next exercise of the same kind of job, the gradings one after another
//!   in it, each forked by its zygote with pytest or the web frameworks
//!   imported), every job a `docker exec` (as with an engine on another
//!   machine);
//! - **shared, socket**: the same, every job handed to the zygote over its
//!   socket in the grader's folder, as `grader check` does with a local
//!   engine.
//!
//! For each it prints the wall time and the machine's CPU seconds (from
//! /proc/stat: everything on the machine counts, so run it on a quiet
//! one), p50 over the rounds, and socket ÷ per-grading. Every check must
//! hold. Rounds rotate the order of the ways. The course is checked with
//! one more at once than the machine has CPUs (`grader check`'s default).
//!
//! `cargo bench -p grader --bench check` once the runner images are built.
//! Knobs: `GRADER_BENCH_ITERS` (3) rounds per exercise row;
//! `GRADER_BENCH_COURSE` (1) rounds of the whole course, 0 to skip it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use grader::check::ExerciseCheck;
use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, SharedRunner, WarmPool};
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
    Exec,
    Socket,
}

const WAYS: [Way; 3] = [Way::PerGrading, Way::Exec, Way::Socket];

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
        "course check: a container per grading vs shared containers, exec'd and through the socket; load average {}",
        load_average()
    );
    println!(
        "{:<24} {:>8} {:>8} {:>8} {:>6}   {:>8} {:>8} {:>8} {:>6}",
        "", "wall", "", "", "", "CPU", "", "", ""
    );
    println!(
        "{:<24} {:>8} {:>8} {:>8} {:>6}   {:>8} {:>8} {:>8} {:>6}",
        "exercise", "grading", "exec", "socket", "s÷g", "grading", "exec", "socket", "s÷g"
    );
    for exercise in EXERCISES {
        let dirs = vec![root().join("exercises").join(exercise)];
        let took = rounds(iters, |way| {
            let (sandbox, images, dirs) = (&sandbox, &images, &dirs);
            async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                check(sandbox, images, dirs, way, 1).await
            }
        })
        .await;
        print_row(exercise, &took);
    }
    if course_rounds > 0 {
        let dirs = grader::check::discover(&[root().join("exercises")]);
        let jobs = std::thread::available_parallelism().map_or(2, usize::from) + 1;
        let took = rounds(course_rounds, |way| {
            let (sandbox, images, dirs) = (&sandbox, &images, &dirs);
            async move {
                tokio::time::sleep(Duration::from_secs(2)).await;
                check(sandbox, images, dirs, way, jobs).await
            }
        })
        .await;
        print_row(
            &format!("course ({} ex., {jobs} at once)", dirs.len()),
            &took,
        );
    }
}

/// `rounds` of every way, in an order that rotates each round; what each
/// took, by way.
async fn rounds<F: Future<Output = Took>>(rounds: usize, run: impl Fn(Way) -> F) -> [Vec<Took>; 3] {
    let mut took: [Vec<Took>; 3] = Default::default();
    for round in 0..rounds {
        for at in 0..WAYS.len() {
            let index = (round + at) % WAYS.len();
            took[index].push(run(WAYS[index]).await);
        }
    }
    took
}

fn p50(values: &[Took], pick: impl Fn(&Took) -> f64) -> f64 {
    let mut picked: Vec<f64> = values.iter().map(pick).collect();
    picked.sort_by(f64::total_cmp);
    picked[(picked.len() - 1) / 2]
}

fn print_row(label: &str, took: &[Vec<Took>; 3]) {
    let wall = took.each_ref().map(|took| p50(took, |took| took.wall));
    let cpu = took.each_ref().map(|took| p50(took, |took| took.cpu));
    println!(
        "{label:<24} {:>7.2}s {:>7.2}s {:>7.2}s {:>5.2}×   {:>7.2}s {:>7.2}s {:>7.2}s {:>5.2}×",
        wall[0],
        wall[1],
        wall[2],
        wall[2] / wall[0],
        cpu[0],
        cpu[1],
        cpu[2],
        cpu[2] / cpu[0],
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
    let shared = |exec: bool| {
        move || {
            let runner = SharedRunner::new(sandbox.clone());
            if exec { runner.execs_only() } else { runner }
        }
    };
    let checks = match way {
        Way::PerGrading => {
            let pool = WarmPool::new(sandbox.clone(), 1, WARM_AGE);
            let checks = futures_util::stream::iter(dirs.iter().cloned())
                .map(|dir| {
                    let grader = Grader::new(pool.clone(), images.clone());
                    async move { grader.check(&dir).await }
                })
                .buffer_unordered(jobs)
                .collect::<Vec<_>>()
                .await;
            pool.close(Duration::from_secs(10)).await;
            checks
        }
        Way::Exec => {
            grader::check::many(shared(true), images, dirs.to_vec(), jobs, |_| {}, |_, _| {}).await
        }
        Way::Socket => {
            grader::check::many(
                shared(false),
                images,
                dirs.to_vec(),
                jobs,
                |_| {},
                |_, _| {},
            )
            .await
        }
    };
    let took = Took {
        wall: started.elapsed().as_secs_f64(),
        cpu: busy_cpu_seconds() - cpu,
    };
    checks.iter().for_each(holds);
    took
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
