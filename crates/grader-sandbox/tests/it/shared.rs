//! `SharedRunner`: one container, jobs one after another, each as if its
//! container were its own — its files, processes and limits.

use std::time::Duration;

use grader_sandbox::{Ending, Limits, Outcome, Runner, SharedRunner};

use crate::support::{assert_container_gone, job, python, quick_limits, sandbox};

fn stdout(outcome: &Outcome) -> String {
    outcome.stdout.text()
}

/// Prints the container's name, the name of the job's parent process,
/// what the job's directory, `/tmp` and `/dev/shm` hold, what it knows of
/// the grader's socket and whether it can write beside it, and the other
/// processes' command lines.
const LOOK_AROUND: &str = r#"
import os, socket
print("host", socket.gethostname())
print("parent", open(f"/proc/{os.getppid()}/comm").read().strip())
print("cwd", os.getcwd(), sorted(os.listdir(".")))
print("work", sorted(os.listdir("/work")))
print("tmp", sorted(os.listdir("/tmp")), sorted(os.listdir("/dev/shm")))
print("env", sorted(name for name in os.environ if name.startswith("GRADER_ZYGOTE")))
try:
    open("/run/grader-zygote/left", "w").write("x")
    print("grader's folder written")
except OSError as error:
    print("grader's folder refused:", error.strerror)
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) not in (1, os.getpid()):
        try:
            print("proc", open(f"/proc/{pid}/cmdline").read().replace("\0", " "))
        except OSError:
            pass
"#;

async fn run(runner: &SharedRunner, limits: Limits, code: &str) -> Outcome {
    runner
        .run(&job(limits), python(code))
        .await
        .expect("the job runs")
}

/// What `LOOK_AROUND` printed after `name`.
fn seen(outcome: &Outcome, name: &str) -> String {
    stdout(outcome)
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} line in {outcome:?}"))
        .to_owned()
}

fn host(outcome: &Outcome) -> String {
    seen(outcome, "host")
}

/// Whether the job was forked from the container's zygote (rather than
/// started fresh because the zygote was gone).
fn assert_forked(outcome: &Outcome) {
    assert_eq!(seen(outcome, "parent"), "grader-zygote", "{outcome:?}");
}

#[tokio::test]
async fn jobs_share_a_container_but_not_files_nor_processes() {
    let runner = SharedRunner::new(sandbox().await);
    jobs_share_a_container(runner, false).await;
}

/// The same with every job exec'd, as with an engine on another machine.
#[tokio::test]
async fn exec_d_jobs_share_a_container_but_not_files_nor_processes() {
    let runner = SharedRunner::new(sandbox().await).execs_only();
    jobs_share_a_container(runner, true).await;
}

/// `exec_d`: whether the job comes through an exec (its client process
/// is there beside it) or through the zygote's socket.
async fn jobs_share_a_container(runner: SharedRunner, exec_d: bool) {
    let leave = format!(
        r#"
import os, subprocess, sys
for place in ("left.txt", "/tmp/left", "/tmp/.left", "/dev/shm/left", "/work/.left"):
    open(place, "w").write("x")
for locked in ("/work/locked", "/tmp/locked"):
    os.makedirs(locked + "/inner")
    open(locked + "/inner/left", "w").write("x")
    os.chmod(locked + "/inner", 0)
    os.chmod(locked, 0)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
{LOOK_AROUND}
"#
    );
    let first = run(&runner, quick_limits(), &leave).await;
    assert_eq!(first.ending, Ending::Exited { code: 0 }, "{first:?}");
    let second = run(&runner, quick_limits(), LOOK_AROUND).await;
    assert_eq!(second.ending, Ending::Exited { code: 0 }, "{second:?}");
    let seen = stdout(&second);
    assert_eq!(host(&first), host(&second), "one container: {seen}");
    assert_forked(&first);
    assert_forked(&second);
    assert!(seen.contains("cwd /work/run-2 []"), "{seen}");
    assert!(seen.contains("work ['run-2']"), "{seen}");
    assert!(seen.contains("tmp [] []"), "{seen}");
    assert!(!seen.contains("time.sleep(600)"), "{seen}");
    assert!(
        seen.contains("env []"),
        "the zygote's socket is its own: {seen}"
    );
    assert_eq!(seen.contains("grader_zygote.py --job"), exec_d, "{seen}");
    assert!(seen.contains("grader's folder refused"), "{seen}");
    runner.close().await;
    assert_container_gone(&host(&first)).await;
}

/// An author's job that finds the grader's socket and connects to it
/// takes nothing from the next job: the grader waits for the zygote's own
/// connection.
#[tokio::test]
async fn a_job_that_connects_to_the_graders_socket_does_not_take_the_next_jobs_place() {
    let runner = SharedRunner::new(sandbox().await);
    let knock = r#"
import socket, subprocess, sys
held = []
for _ in range(3):
    connection = socket.socket(socket.AF_UNIX)
    connection.connect("/run/grader-zygote/grader.sock")
    held.append(connection)
subprocess.Popen([sys.executable, "-c", "import socket, time\n"
                  "c = socket.socket(socket.AF_UNIX); c.connect('/run/grader-zygote/grader.sock'); time.sleep(600)"],
                 start_new_session=True)
print("host", socket.gethostname())
print("connected")
"#;
    let first = run(&runner, quick_limits(), knock).await;
    assert_eq!(first.ending, Ending::Exited { code: 0 }, "{first:?}");
    assert!(stdout(&first).contains("connected"), "{first:?}");
    for _ in 0..2 {
        let next = run(&runner, quick_limits(), LOOK_AROUND).await;
        assert_eq!(next.ending, Ending::Exited { code: 0 }, "{next:?}");
        let seen = stdout(&next);
        assert_eq!(host(&first), host(&next), "one container: {seen}");
        assert!(
            !seen.contains("grader_zygote.py --job"),
            "still without an exec: {seen}"
        );
    }
    runner.close().await;
}

#[tokio::test]
async fn a_job_past_its_wall_time_is_stopped_and_the_next_one_runs() {
    let runner = SharedRunner::new(sandbox().await);
    let limits = Limits {
        wall_time: Duration::from_secs(2),
        ..quick_limits()
    };
    let looping = run(&runner, limits, "while True: pass").await;
    assert_eq!(looping.ending, Ending::TimedOut, "{looping:?}");
    let next = run(&runner, quick_limits(), LOOK_AROUND).await;
    assert_eq!(next.ending, Ending::Exited { code: 0 }, "{next:?}");
    assert!(!stdout(&next).contains("while True"), "{}", stdout(&next));
    assert_forked(&next);
    runner.close().await;
}

#[tokio::test]
async fn a_memory_hog_is_reported_as_such_and_the_next_job_is_not() {
    let runner = SharedRunner::new(sandbox().await);
    let limits = Limits {
        memory: 64 * 1024 * 1024,
        ..quick_limits()
    };
    let hog = run(&runner, limits.clone(), "hog = b'x' * (1 << 30)").await;
    assert_eq!(hog.ending, Ending::OutOfMemory, "{hog:?}");
    let next = run(&runner, limits, &format!("print('fine')\n{LOOK_AROUND}")).await;
    assert_eq!(next.ending, Ending::Exited { code: 0 }, "{next:?}");
    assert!(stdout(&next).starts_with("fine\n"), "{next:?}");
    assert!(next.stderr.bytes.is_empty(), "{}", next.stderr.text());
    // The OOM killer took the job's process, not the zygote.
    assert_forked(&next);
    runner.close().await;
}

#[tokio::test]
async fn an_output_flood_is_cut_and_exit_codes_come_back() {
    let runner = SharedRunner::new(sandbox().await);
    let limits = Limits {
        output: 64 * 1024,
        ..quick_limits()
    };
    let flood = run(
        &runner,
        limits.clone(),
        "import sys\nwhile True: sys.stdout.write('y' * 65536)",
    )
    .await;
    assert_eq!(flood.ending, Ending::OutputLimit, "{:?}", flood.ending);
    let next = run(&runner, limits, "import sys; sys.exit(3)").await;
    assert_eq!(next.ending, Ending::Exited { code: 3 }, "{next:?}");
    runner.close().await;
}

#[tokio::test]
async fn a_job_of_another_kind_gets_a_container_of_its_own() {
    let runner = SharedRunner::new(sandbox().await);
    let first = run(&runner, quick_limits(), LOOK_AROUND).await;
    // Another wall clock and output cap: the watcher's, per job.
    let per_job = Limits {
        wall_time: Duration::from_secs(9),
        output: 4096,
        ..quick_limits()
    };
    let same = run(&runner, per_job, LOOK_AROUND).await;
    assert_eq!(host(&first), host(&same));
    // Another memory limit: the container's.
    let more_memory = Limits {
        memory: quick_limits().memory * 2,
        ..quick_limits()
    };
    let other = run(&runner, more_memory.clone(), LOOK_AROUND).await;
    assert_ne!(host(&first), host(&other));
    // Another environment (what the zygote imports follows it).
    let mut preloaded = job(more_memory);
    preloaded.env = vec![("GRADER_PRELOAD".to_owned(), "pytest".to_owned())];
    let last = runner
        .run(&preloaded, python(LOOK_AROUND))
        .await
        .expect("the job runs");
    assert_ne!(host(&other), host(&last));
    assert_forked(&last);
    runner.close().await;
    for made in [first, other, last] {
        assert_container_gone(&host(&made)).await;
    }
}

#[tokio::test]
async fn a_job_that_kills_the_zygote_stops_its_container_and_the_next_job_gets_another() {
    let runner = SharedRunner::new(sandbox().await);
    let first = run(&runner, quick_limits(), LOOK_AROUND).await;
    let kill_zygote = r#"
import os, signal
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            if open(f"/proc/{pid}/comm").read().strip() == "grader-zygote":
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
"#;
    // The container stops under the job (which ends killed, or exits
    // first if it wins the race).
    let killer = run(&runner, quick_limits(), kill_zygote).await;
    assert!(
        matches!(killer.ending, Ending::Exited { code: 0 | 137 }),
        "{killer:?}"
    );
    let next = run(&runner, quick_limits(), LOOK_AROUND).await;
    assert_eq!(next.ending, Ending::Exited { code: 0 }, "{next:?}");
    assert_ne!(host(&next), host(&first));
    assert_forked(&next);
    runner.close().await;
    assert_container_gone(&host(&first)).await;
    assert_container_gone(&host(&next)).await;
}
