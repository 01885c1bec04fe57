//! Submissions that attack the python kind from inside its container.
//!
//! Each submission is an honest but wrong solution (one of the exercise's
//! mutants) with an attack appended from `tests/fixtures/adversarial/`:
//! lines that try to pass the tests the honest part fails, show the learner
//! the hidden tests, turn the grading into the grader's own failure, or
//! outlive it. Whatever an attack tries, [`attack`] asserts that
//! - it scores no more than its honest part does alone;
//! - the result is not an `infra` error (that is for the grader's failures);
//! - the learner's view holds no hidden test source ([`hostile_copy`] marks
//!   the hidden files), nor does any job's stdout;
//! - the grading ends within the wall limit and [`SLACK`];
//! - the container it ran in is gone.
//!
//! Each attack runs twice: in a container of its own, and forked in a
//! learners' container as `grader serve` runs it by default.
//!
//! Against the harness that ran pytest in the learner's own process, 11 of
//! these attacks succeeded (issue 12); learner code now runs in a process of
//! its own (ARCHITECTURE.md, "Learner Python never runs in the test
//! process"), and each of these tests is what keeps it so.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grader::exercise::Visibility;
use grader::result::{ErrorKind, TestStatus};
use grader::{Exercise, GradeResult, Grader, Images, Status, Submission, View};
use grader_sandbox::{
    Archive, DockerSandbox, ForkPool, Job, Outcome, Runner, SandboxError, Session,
};

use crate::support::{grader_sandbox, root, scratch_copy};

/// The wall limit of every hostile grading, and one test's time limit.
const WALL_TIME: Duration = Duration::from_secs(8);
const TEST_TIMEOUT: &str = "2s";
/// How long past the wall limit a grading may take: the container's start
/// and removal, on a busy machine.
const SLACK: Duration = Duration::from_secs(5);
/// Written into every hidden test file of a scratch copy, at its top and in
/// every test's body.
const MARKER: &str = "SECRET_MARKER_7f3a";

/// Gradings at once. The machine has two cores; a grading slowed down by
/// many neighbours would blur the time bound.
static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// An exercise to attack, and the honest part every attack on it rides on.
struct Target {
    exercise: &'static str,
    /// The submission's one file.
    file: &'static str,
    /// The mutant that is the honest part.
    honest: &'static str,
    /// What the honest part scores alone, of `max_score`.
    honest_score: f64,
    max_score: f64,
    /// Text of a hidden test file found nowhere else.
    hidden_text: &'static str,
}

const FIZZBUZZ: Target = Target {
    exercise: "python/fizzbuzz",
    file: "fizzbuzz.py",
    honest: "checks-three-first",
    honest_score: 12.0,
    max_score: 17.0,
    hidden_text: "range(15, 101, 15)",
};

const BINARY_SEARCH: Target = Target {
    exercise: "python/binary-search",
    file: "search.py",
    honest: "walks-left-linearly",
    honest_score: 31.0,
    max_score: 33.0,
    hidden_text: "lambda i: 0 if i < 60_000 else 1",
};

// -- the attacks, in the order of issue 12 -------------------------------

/// Every report pytest makes says "passed".
#[tokio::test]
async fn replacing_from_item_and_call() {
    attack(&FIZZBUZZ, &["replacing_from_item_and_call.py"]).await;
}

/// The harness's own reporter, found with `gc.get_objects()`, sends every
/// result as "passed".
#[tokio::test]
async fn rewriting_the_reporter_found_by_gc() {
    attack(&FIZZBUZZ, &["rewriting_the_reporter_found_by_gc.py"]).await;
}

/// `Function.runtest` does nothing, so no assertion runs.
#[tokio::test]
async fn making_every_test_body_a_no_op() {
    attack(&FIZZBUZZ, &["making_every_test_body_a_no_op.py"]).await;
}

#[tokio::test]
async fn a_list_subclass_equal_to_everything() {
    attack(&FIZZBUZZ, &["a_list_subclass_equal_to_everything.py"]).await;
}

#[tokio::test]
async fn a_non_list_object_equal_to_everything() {
    attack(&FIZZBUZZ, &["a_non_list_object_equal_to_everything.py"]).await;
}

/// Test files found anywhere readable, printed in visible tests.
#[tokio::test]
async fn reading_test_files_from_the_filesystem() {
    attack(&FIZZBUZZ, &["reading_test_files_from_the_filesystem.py"]).await;
}

/// The entry script's "refused the job's files" exit code, from the
/// learner's code.
#[tokio::test]
async fn os_exit_125_at_import() {
    attack(&FIZZBUZZ, &["os_exit_125_at_import.py"]).await;
}

/// A learner function that tells pytest it is a test (`__test__ = True`),
/// so that pytest collects it from the test module as one more, passing.
/// Two things stop it: the proxy reads no such attribute of a learner
/// object, and pytest collects only real functions.
#[tokio::test]
async fn a_function_that_says_it_is_a_test() {
    attack(&FIZZBUZZ, &["a_function_that_says_it_is_a_test.py"]).await;
}

#[tokio::test]
async fn fake_report_lines_on_stdout_and_stderr() {
    attack(
        &FIZZBUZZ,
        &[
            "fake_report.py",
            "fake_report_lines_on_stdout_and_stderr.py",
        ],
    )
    .await;
}

#[tokio::test]
async fn fake_report_lines_on_every_fd() {
    attack(
        &FIZZBUZZ,
        &["fake_report.py", "fake_report_lines_on_every_fd.py"],
    )
    .await;
}

/// A line's start without its end, so that the harness's next report line
/// is glued to it.
#[tokio::test]
async fn an_unterminated_line_on_the_report_pipe() {
    attack(&FIZZBUZZ, &["an_unterminated_line_on_the_report_pipe.py"]).await;
}

/// `/proc/<pid>/{environ,cmdline,maps,mem}` of every other process, shown
/// to the learner; with a nonce found there, a forged report.
#[tokio::test]
async fn reading_other_processes_memory() {
    attack(
        &FIZZBUZZ,
        &["fake_report.py", "reading_other_processes_memory.py"],
    )
    .await;
}

/// Double fork and setsid: a process that writes fake report lines and
/// kills every other process it can, long after the tests end.
#[tokio::test]
async fn a_detached_child_that_outlives_the_test() {
    attack(
        &FIZZBUZZ,
        &[
            "fake_report.py",
            "a_detached_child_that_outlives_the_test.py",
        ],
    )
    .await;
}

#[tokio::test]
async fn sys_exit_zero_in_a_test_call() {
    attack(&FIZZBUZZ, &["sys_exit_zero_in_a_test_call.py"]).await;
}

#[tokio::test]
async fn os_exit_zero_in_a_test_call() {
    attack(&FIZZBUZZ, &["os_exit_zero_in_a_test_call.py"]).await;
}

/// Lone surrogates and bytes that are not UTF-8 in an exception's message,
/// a repr and the output: the report line carrying them made the grading
/// `infra` (issue 24), a retry that does not count.
#[tokio::test]
async fn lone_surrogates_in_every_text() {
    attack(&FIZZBUZZ, &["lone_surrogates_in_every_text.py"]).await;
}

/// A `BaseException` of its own, and a `KeyboardInterrupt`.
#[tokio::test]
async fn base_exceptions_from_the_function() {
    attack(&FIZZBUZZ, &["base_exceptions_from_the_function.py"]).await;
}

#[tokio::test]
async fn infinite_recursion() {
    attack(&FIZZBUZZ, &["infinite_recursion.py"]).await;
}

/// Recursion through C code under a lifted limit: the interpreter dies of
/// SIGSEGV.
#[tokio::test]
async fn infinite_recursion_past_a_raised_limit() {
    attack(&FIZZBUZZ, &["infinite_recursion_past_a_raised_limit.py"]).await;
}

/// `isinstance`, `all`, `any`, `sorted` and `range` lie to test modules.
#[tokio::test]
async fn lying_builtins_at_import() {
    attack(&FIZZBUZZ, &["lying_builtins_at_import.py"]).await;
}

/// The hidden test passes a `CountingSequence` and then reads its count.
#[tokio::test]
async fn resetting_the_lookup_count_of_a_sequence_passed_in() {
    attack(
        &BINARY_SEARCH,
        &["resetting_the_lookup_count_of_a_sequence_passed_in.py"],
    )
    .await;
}

#[tokio::test]
async fn monkeypatching_the_class_of_a_sequence_passed_in() {
    attack(
        &BINARY_SEARCH,
        &["monkeypatching_the_class_of_a_sequence_passed_in.py"],
    )
    .await;
}

/// A generator that never ends and swallows the per-test time limit.
#[tokio::test]
async fn an_endless_generator() {
    attack(&FIZZBUZZ, &["an_endless_generator.py"]).await;
}

// -- the setup itself ------------------------------------------------------

#[tokio::test]
async fn the_honest_wrong_fizzbuzz_scores_partially_and_the_reference_fully() {
    check_setup(&FIZZBUZZ).await;
}

#[tokio::test]
async fn the_honest_wrong_binary_search_scores_partially_and_the_reference_fully() {
    check_setup(&BINARY_SEARCH).await;
}

/// The honest part alone earns exactly `honest_score`, failing the tests
/// its mutant declares; the reference earns full marks; and neither
/// breaks a rule [`attack`] checks.
async fn check_setup(target: &Target) {
    let (_temp, exercise) = hostile_copy(target);
    let honest = grade(&exercise, target.file, honest_part(&exercise, target)).await;
    assert_eq!(honest.result.error, None, "{:#?}", honest.result);
    assert_eq!(
        (honest.result.score, honest.result.max_score),
        (target.honest_score, target.max_score),
        "the honest part's score; {:#?}",
        honest.result
    );
    let not_passed: BTreeSet<&str> = honest
        .result
        .tests
        .iter()
        .filter(|test| test.status != TestStatus::Passed)
        .map(|test| test.id.as_str())
        .collect();
    assert_eq!(not_passed, honest_failures(&exercise, target));
    assert_eq!(
        broken_rules(target, &exercise, &honest, target.honest_score),
        Vec::<String>::new()
    );

    let reference = std::fs::read_to_string(exercise.dir.join("reference").join(target.file))
        .expect("the reference solution");
    let reference = grade(&exercise, target.file, reference).await;
    assert_eq!(
        reference.result.status,
        Status::Passed,
        "{:#?}",
        reference.result
    );
    assert_eq!(reference.result.score, target.max_score);
    assert_eq!(
        broken_rules(target, &exercise, &reference, target.max_score),
        Vec::<String>::new()
    );
}

// -- the helpers -----------------------------------------------------------

/// Grades the honest part of `target` followed by the fixtures `parts`,
/// and fails with everything the attack (the last part) achieved.
async fn attack(target: &Target, parts: &[&str]) {
    let name = parts.last().expect("an attack").trim_end_matches(".py");
    let (_temp, exercise) = hostile_copy(target);
    let mut source = honest_part(&exercise, target);
    for part in parts {
        let path = fixtures().join(part);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
        source.push_str(&text);
    }
    // In a container of its own, and forked in a learners' container as
    // `grader serve` runs it by default.
    for isolation in [Isolation::Container, Isolation::Fork] {
        let graded = grade_in(&exercise, target.file, source.clone(), isolation).await;
        // Shown with the failure, or with --nocapture: how the grading went.
        println!("{isolation:?}: {}", summary(&graded));
        let achieved = broken_rules(target, &exercise, &graded, target.honest_score);
        assert!(
            achieved.is_empty(),
            "the attack `{name}` ({isolation:?}):\n- {}",
            achieved.join("\n- ")
        );
    }
}

/// How a grading keeps the learner apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// A container of its own ([`DockerSandbox`]).
    Container,
    /// Forked, as a user of its own, in a learners' container
    /// ([`ForkPool`], here one for the grading alone).
    Fork,
}

/// What a grading broke of the rules in this module's comment, each said
/// as what the submission achieved; it may score up to `ceiling`.
fn broken_rules(
    target: &Target,
    exercise: &Exercise,
    graded: &Graded,
    ceiling: f64,
) -> Vec<String> {
    let result = &graded.result;
    let mut achieved = Vec::new();

    if result.score > ceiling {
        let failures = honest_failures(exercise, target);
        let gained: Vec<&str> = result
            .tests
            .iter()
            .filter(|test| test.status == TestStatus::Passed && failures.contains(test.id.as_str()))
            .map(|test| test.id.as_str())
            .collect();
        achieved.push(format!(
            "scored {} of {}, more than the {} its honest part earns: it passed {}, \
             which the honest part fails",
            result.score,
            result.max_score,
            target.honest_score,
            gained.join(", ")
        ));
    }

    if let Some(error) = result
        .error
        .as_ref()
        .filter(|error| error.kind == ErrorKind::Infra)
    {
        achieved.push(format!(
            "made the grading an `infra` error, the grader's own failure, which scores \
             nothing and does not count against the learner: {}",
            error.message
        ));
    }

    let learner = result.for_view(View::Learner).to_json();
    for secret in [MARKER, target.hidden_text] {
        if let Some(at) = learner.find(secret) {
            achieved.push(format!(
                "showed the learner hidden test source: `{secret}` is in the learner's view, \
                 in …{}…",
                around(&learner, at, secret.len())
            ));
        }
    }

    // The job's stdout passes where learner code could reach it: no hidden
    // test's source may travel there, whatever the view (issue 24).
    for stdout in &graded.stdouts {
        let text = String::from_utf8_lossy(stdout);
        if let Some(at) = text.find(MARKER) {
            achieved.push(format!(
                "found hidden test source on the job's stdout: …{}…",
                around(&text, at, MARKER.len())
            ));
        }
    }

    let bound = WALL_TIME + SLACK;
    if graded.elapsed >= bound {
        achieved.push(format!(
            "kept its grading going for {:.1?}, past the {:?} wall limit + {:?}",
            graded.elapsed, WALL_TIME, SLACK
        ));
    }

    // A forked job's container may have been retired (and removed) at
    // once: that its job ran is what its output says.
    if graded.containers.is_empty() && graded.stdouts.is_empty() {
        achieved.push(format!(
            "was graded without a job (the sandbox never ran it): {:?}",
            result.error
        ));
    }
    for id in &graded.left_behind {
        achieved.push(format!("left its container {id} behind"));
    }
    achieved
}

/// How a grading ended, test by test, with the author's log.
fn summary(graded: &Graded) -> String {
    let result = &graded.result;
    let mut text = format!(
        "{:?} in {:.1?}, {} of {}, error: {:?}\n",
        result.status, graded.elapsed, result.score, result.max_score, result.error
    );
    for test in &result.tests {
        text.push_str(&format!("  {:?} {}\n", test.status, test.id));
        if let Some(output) = &test.output {
            let head: String = output.text.chars().take(300).collect();
            text.push_str(&format!("    printed: {head:?}\n"));
        }
    }
    if let Some(log) = &result.log {
        text.push_str(&format!("log:\n{}\n", log.text));
    }
    text
}

/// A grading and what the test saw of it.
struct Graded {
    result: GradeResult,
    elapsed: Duration,
    /// Every container the grading's jobs ran in.
    containers: Vec<String>,
    /// Those of them that still exist after it.
    left_behind: Vec<String>,
    /// What each job wrote on its stdout.
    stdouts: Vec<Vec<u8>>,
}

/// Grades `source` as the submission's one file `file`, on the real
/// engine, with at most [`SLOTS`] gradings at once.
async fn grade(exercise: &Exercise, file: &str, source: String) -> Graded {
    grade_in(exercise, file, source, Isolation::Container).await
}

async fn grade_in(exercise: &Exercise, file: &str, source: String, isolation: Isolation) -> Graded {
    let _slot = SLOTS
        .acquire()
        .await
        .expect("the semaphore is never closed");
    let sandbox = grader_sandbox().await;
    let containers = Arc::new(Mutex::new(Vec::new()));
    let stdouts = Arc::new(Mutex::new(Vec::new()));
    let forks = (isolation == Isolation::Fork)
        .then(|| ForkPool::new(sandbox.clone(), 1, Duration::from_secs(600)));
    let runner = Watched {
        sandbox: sandbox.clone(),
        forks: forks.clone(),
        containers: Arc::clone(&containers),
        stdouts: Arc::clone(&stdouts),
    };
    let grader = Grader::new(runner, Images::new(root().join("runner-images")));
    let submission = Submission {
        files: [(file.to_owned(), source.into_bytes())].into(),
    };
    let started = Instant::now();
    let result = grader.grade(exercise, &submission).await;
    let elapsed = started.elapsed();
    if let Some(forks) = forks {
        // The learners' container, if it was kept for another job, is
        // removed now; one retired after the job was removed already, or
        // is by the time `close` returns.
        containers.lock().unwrap().extend(forks.idle_containers());
        forks.close(Duration::from_secs(20)).await;
    }

    let containers = containers.lock().unwrap().clone();
    let existing: BTreeSet<String> = sandbox
        .own_containers()
        .await
        .expect("list this process's containers")
        .into_iter()
        .map(|(id, _image)| id)
        .collect();
    let left_behind = containers
        .iter()
        .filter(|id| existing.contains(*id))
        .cloned()
        .collect();
    let stdouts = stdouts.lock().unwrap().clone();
    Graded {
        result,
        elapsed,
        containers,
        left_behind,
        stdouts,
    }
}

/// The real engine, noting the container of each job: the tests of this
/// module run in parallel, so a container left behind is told from a
/// neighbour's running one by its id.
struct Watched {
    sandbox: DockerSandbox,
    /// Jobs go here instead when there is one.
    forks: Option<ForkPool>,
    containers: Arc<Mutex<Vec<String>>>,
    stdouts: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Runner for Watched {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        if let Some(forks) = &self.forks {
            let outcome = forks.run(job, input).await?;
            self.stdouts
                .lock()
                .unwrap()
                .push(outcome.stdout.bytes.to_vec());
            return Ok(outcome);
        }
        let prepared = self.sandbox.prepare(job).await?;
        self.note(prepared.container_id());
        let outcome = prepared.run(input).await?;
        self.stdouts
            .lock()
            .unwrap()
            .push(outcome.stdout.bytes.to_vec());
        Ok(outcome)
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        if let Some(forks) = &self.forks {
            return forks.session(job, input).await;
        }
        let prepared = self.sandbox.prepare(job).await?;
        self.note(prepared.container_id());
        Ok(prepared.session(input))
    }
}

impl Watched {
    fn note(&self, container: &str) {
        self.containers.lock().unwrap().push(container.to_owned());
    }
}

/// A scratch copy of `target`'s exercise that ends a hostile grading fast
/// (a short wall limit and test time limit) and whose hidden test files
/// carry [`MARKER`].
fn hostile_copy(target: &Target) -> (tempfile::TempDir, Exercise) {
    let (temp, dir) = scratch_copy(target.exercise);
    let yaml = dir.join("exercise.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    assert!(text.contains("test_timeout: 5s"), "{text}");
    let text = text.replace("test_timeout: 5s", &format!("test_timeout: {TEST_TIMEOUT}"));
    let limits = format!("limits:\n  wall_time: {}s\n", WALL_TIME.as_secs());
    std::fs::write(&yaml, text + &limits).unwrap();

    let exercise = Exercise::load(&dir).unwrap();
    let mut hidden_text_seen = false;
    for test in &exercise.spec.tests {
        if test.visibility != Visibility::Hidden {
            continue;
        }
        let path = exercise.tests_dir().join(&test.file);
        let source = std::fs::read_to_string(&path).unwrap();
        hidden_text_seen |= source.contains(target.hidden_text);
        std::fs::write(&path, marked(&source)).unwrap();
    }
    assert!(
        hidden_text_seen,
        "no hidden test holds {:?}",
        target.hidden_text
    );
    (temp, exercise)
}

/// `source` with [`MARKER`] as a comment at the top and as the first line
/// of every test function.
fn marked(source: &str) -> String {
    let mut text = format!("# {MARKER}\n");
    let mut tests = 0;
    for line in source.lines() {
        text.push_str(line);
        text.push('\n');
        if line.starts_with("def test_") {
            assert!(
                line.ends_with(':'),
                "a test's signature on one line: {line}"
            );
            text.push_str(&format!("    # {MARKER}\n"));
            tests += 1;
        }
    }
    assert!(tests > 0, "no test function in {source}");
    text
}

fn honest_part(exercise: &Exercise, target: &Target) -> String {
    let files = grader::mutant::load(exercise, target.honest)
        .unwrap_or_else(|error| panic!("mutant {}: {error}", target.honest))
        .files;
    String::from_utf8(files[target.file].clone()).unwrap()
}

/// The tests the honest part fails, as its mutant declares them.
fn honest_failures<'a>(exercise: &'a Exercise, target: &Target) -> BTreeSet<&'a str> {
    exercise
        .spec
        .mutants
        .iter()
        .find(|mutant| mutant.name == target.honest)
        .unwrap_or_else(|| panic!("no mutant {} in {}", target.honest, target.exercise))
        .fails
        .iter()
        .map(String::as_str)
        .collect()
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/adversarial")
}

/// Up to 100 bytes of `text` either side of `len` bytes at `at`.
fn around(text: &str, at: usize, len: usize) -> &str {
    let mut start = at.saturating_sub(100);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + len + 100).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[start..end]
}
