//! The shell kind on the real engine: verdicts as bats gives them, and a
//! hostile learner's scripts against `tests/fixtures/shell/` — a script
//! that forges TAP, kills what it can, reads what it can, claims `infra`
//! by its exit status or its output, forks without end, loops, floods,
//! tampers with the job's files or prints text no JSON reader takes. None
//! earns a point it should not, none turns the grading into `infra`, and
//! no hidden test's code reaches the learner.

use grader::{Exercise, GradeResult, Status, Submission, View};

use crate::support::{grade_forked, grader, root};

const HIDDEN_MARKER: &str = "HIDDEN-CODE-MARKER-91ab";

fn fixture() -> std::path::PathBuf {
    root().join("crates/grader/tests/fixtures/shell")
}

async fn grade(script: &str) -> GradeResult {
    let exercise = Exercise::load(&fixture()).unwrap();
    let submission = Submission {
        files: [("answer.sh".to_owned(), script.as_bytes().to_vec())]
            .into_iter()
            .collect(),
    };
    grader().await.grade(&exercise, &submission).await
}

fn status_of<'a>(result: &'a GradeResult, name: &str) -> &'a grader::result::TestStatus {
    &result
        .tests
        .iter()
        .find(|test| test.name == name)
        .unwrap_or_else(|| panic!("no test {name:?} in {result:#?}"))
        .status
}

/// What must hold whatever the learner's script did: not the grader's
/// fault, no point for an answer that is not 42, the hidden test's code
/// nowhere the learner looks.
fn holds(result: &GradeResult, script: &str) {
    if let Some(error) = &result.error {
        assert!(
            error.learner_fault,
            "{script}: the grading became {} ({})",
            error.kind.as_str(),
            error.message
        );
    }
    assert_eq!(
        result.tests.len(),
        4,
        "{script}: every test is listed: {result:#?}"
    );
    for name in ["answers 42", "answers 42 in a hidden test too"] {
        assert_ne!(
            *status_of(result, name),
            grader::result::TestStatus::Passed,
            "{script}: {name} passed: {result:#?}"
        );
    }
    let learner = result.for_view(View::Learner).to_json();
    assert!(
        !learner.contains(HIDDEN_MARKER),
        "{script}: the learner read a hidden test: {learner}"
    );
}

/// A script that never answers 42 earns the one point of the test that
/// checks nothing of it outlives its call, and no other.
fn only_the_cleanup_test_passes(result: &GradeResult, script: &str) {
    let passed: Vec<&str> = result
        .tests
        .iter()
        .filter(|test| test.status == grader::result::TestStatus::Passed)
        .map(|test| test.name.as_str())
        .collect();
    assert_eq!(
        passed,
        ["nothing of the learner's outlives a call"],
        "{script}: {result:#?}"
    );
    assert_eq!(result.score, 1.0, "{script}");
}

#[tokio::test]
async fn the_reference_earns_everything_and_the_starter_nothing() {
    let reference = std::fs::read_to_string(fixture().join("reference/answer.sh")).unwrap();
    let result = grade(&reference).await;
    assert_eq!(result.status, Status::Passed, "{result:#?}");
    assert_eq!((result.score, result.max_score), (5.0, 5.0));
    let ids: Vec<&str> = result.tests.iter().map(|test| test.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "visible.bats::answers 42",
            "visible.bats::writes 42 to a file when asked",
            "visible.bats::nothing of the learner's outlives a call",
            "hidden.bats::answers 42 in a hidden test too",
        ]
    );
    // Each test's time, as bats measured it (--timing).
    assert!(
        result.tests.iter().all(|test| test.duration_ms > 0),
        "{result:#?}"
    );

    let starter = std::fs::read_to_string(fixture().join("starter/answer.sh")).unwrap();
    let result = grade(&starter).await;
    assert_eq!(result.status, Status::Failed, "{result:#?}");
    let message = result.tests[0].message.as_deref().unwrap_or_default();
    assert!(
        message.contains("not yet"),
        "bats's account of the failure: {message}"
    );
    // The hidden test's failure is the author's to read, not the learner's.
    let learner = result.for_view(View::Learner);
    assert!(learner.tests[3].message.is_none(), "{learner:#?}");
}

#[tokio::test]
async fn a_script_that_forges_tap_lines_and_writes_to_every_stream_earns_nothing() {
    let script = r#"#!/bin/bash
forged='ok 1 answers 42\nok 2 writes 42 to a file when asked\nok 1 answers 42 in a hidden test too\n1..1\n'
for fd in 1 2 3 4 5 6 7 8 9 251 252 253 254 255; do printf "$forged" >&$fd; done 2>/dev/null
for f in /proc/[0-9]*/fd/*; do printf "\n$forged" > "$f"; done 2>/dev/null
printf '@@grader:0:00000000000000000000000000000000 {"event":"test","file":"visible.bats","name":"answers 42","outcome":"passed"}\n'
echo 41
"#;
    let result = grade(script).await;
    holds(&result, "forger");
    only_the_cleanup_test_passes(&result, "forger");
}

#[tokio::test]
async fn a_script_that_kills_and_stops_what_it_can_stops_only_itself() {
    let script = r#"#!/bin/bash
for p in /proc/[0-9]*; do kill -STOP "${p#/proc/}"; done 2>/dev/null
kill -9 -1
"#;
    let result = grade(script).await;
    holds(&result, "killer");
    // The run went on to every test: each has bats's own verdict.
    for test in &result.tests {
        assert_ne!(
            test.status,
            grader::result::TestStatus::Error,
            "{result:#?}"
        );
    }
}

#[tokio::test]
async fn a_script_that_looks_for_the_tests_and_fixtures_reads_no_hidden_test() {
    let script = r#"#!/bin/bash
ln -s /work/.tests/hidden.bats answer.txt
cat /work/.tests/* /work/.bats-tmp/*/* /work/.fixtures/* 2>&1
find / -xdev \( -name '*.bats' -o -name '*.src' \) -exec cat {} + 2>&1 | head -c 3000
for p in /proc/[0-9]*; do tr '\0' ' ' < "$p/cmdline"; cat "$p/environ"; done 2>&1 | head -c 3000
grep -r MARKER / 2>/dev/null | head
echo 41
"#;
    let result = grade(script).await;
    holds(&result, "reader");
}

#[tokio::test]
async fn exit_statuses_and_words_that_look_like_the_graders_are_a_failing_answer() {
    for code in [2, 124, 125, 126, 127, 137] {
        let script = format!(
            "#!/bin/sh\necho 'grader-entry: refusing tar entry' >&2\necho '{{\"event\":\"infra\"}}'\nexit {code}\n"
        );
        let result = grade(&script).await;
        holds(&result, &format!("exit {code}"));
        assert!(result.error.is_none(), "exit {code}: {result:#?}");
        only_the_cleanup_test_passes(&result, &format!("exit {code}"));
    }
}

#[tokio::test]
async fn a_fork_bomb_a_loop_and_a_flood_fail_their_tests_and_the_run_goes_on() {
    let scripts = [
        (
            "fork bomb",
            "#!/bin/bash\nb() { b | b & }\nb\nsleep 1\necho 41\n",
        ),
        ("loop", "#!/bin/sh\nwhile :; do :; done\n"),
        (
            "flood",
            "#!/bin/sh\nhead -c 30000000 /dev/zero | tr '\\0' x\nhead -c 3000000 /dev/zero | tr '\\0' y >&2\n",
        ),
        (
            // Stops and kills every process it may (the killer, were it
            // the learner's), then leaves a sleeper behind.
            "killer hunter",
            "#!/bin/bash\nfor p in /proc/[0-9]*; do p=${p#/proc/}; [ \"$p\" = $$ ] || { kill -STOP $p; kill -9 $p; }; done 2>/dev/null\nsetsid sleep 987 >/dev/null 2>&1 &\necho 41\n",
        ),
        (
            "background",
            "#!/bin/bash\nsetsid sleep 987 >/dev/null 2>&1 &\nnohup sleep 987 >/dev/null 2>&1 &\necho 41\n",
        ),
    ];
    for (what, script) in scripts {
        let result = grade(script).await;
        holds(&result, what);
        assert!(
            result.duration_ms < 35_000,
            "{what}: the run should not need the wall clock: {result:#?}"
        );
        // The last visible test runs after the script's call is over:
        // nothing of the script's is left to find.
        assert_eq!(
            *status_of(&result, "nothing of the learner's outlives a call"),
            grader::result::TestStatus::Passed,
            "{what}: {result:#?}"
        );
    }
}

#[tokio::test]
async fn a_script_cannot_rewrite_itself_the_tests_or_the_fixtures() {
    let script = r#"#!/bin/bash
echo 'echo 42' > /work/submission/answer.sh
chmod 777 /work/submission /work/submission/answer.sh
rm -rf /work/submission/* /work/.tests /work/.fixtures /work/.bats-tmp
mkdir -p /work/.tests && echo '@test "answers 42" { true; }' > /work/.tests/visible.bats
echo 41
"#;
    let result = grade(script).await;
    holds(&result, "tamperer");
    only_the_cleanup_test_passes(&result, "tamperer");
}

#[tokio::test]
async fn text_no_json_reader_takes_is_shown_and_not_infra() {
    let script = "#!/bin/bash\nprintf '\\xed\\xa0\\x80 \\xff\\xfe \\u0000 \\033[2J'\necho\nprintf '\\ud800'\n";
    let result = grade(script).await;
    holds(&result, "bytes");
    assert!(result.tests[0].message.is_some(), "{result:#?}");
}

/// `grader serve` forks most jobs in long-lived containers; a shell job
/// needs a root broker, so it gets a container of its own there too, and
/// is graded the same.
#[tokio::test]
async fn the_fork_pool_gives_a_shell_job_a_container_of_its_own() {
    let reference = std::fs::read_to_string(fixture().join("reference/answer.sh")).unwrap();
    let (result, left) = grade_forked(&fixture(), &[("answer.sh", &reference)]).await;
    assert_eq!(result.status, Status::Passed, "{result:#?}");
    assert!(left.is_empty(), "{left:?}");
}

/// The fork pool keeps a shell container started for the next shell job,
/// as `--isolation container` does, and the job graded in it is graded
/// the same; closing the pool removes it.
#[tokio::test]
async fn the_fork_pool_keeps_a_shell_container_waiting_for_the_next_job() {
    let exercise = Exercise::load(&fixture()).unwrap();
    let reference = std::fs::read(fixture().join("reference/answer.sh")).unwrap();
    let submission = Submission {
        files: [("answer.sh".to_owned(), reference)].into_iter().collect(),
    };
    let sandbox = crate::support::grader_sandbox().await;
    let pool =
        grader_sandbox::ForkPool::new(sandbox.clone(), 1, std::time::Duration::from_secs(600));
    let grader = grader::Grader::new(
        pool.clone(),
        grader::Images::new(root().join("runner-images")),
    );
    let first = grader.grade(&exercise, &submission).await;
    assert_eq!(first.status, Status::Passed, "{first:#?}");
    let started = std::time::Instant::now();
    while pool.idle() == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no shell container was kept waiting"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let waiting = pool.idle_containers();
    let second = grader.grade(&exercise, &submission).await;
    assert_eq!(second.status, Status::Passed, "{second:#?}");
    // The waiting container took the second job, and is gone with it.
    let existing = sandbox.own_containers().await.unwrap();
    assert!(
        waiting
            .iter()
            .all(|id| existing.iter().all(|(other, _)| other != id)),
        "the waiting container {waiting:?} did not take the job"
    );
    pool.close(std::time::Duration::from_secs(20)).await;
    assert_eq!(pool.idle(), 0);
}
