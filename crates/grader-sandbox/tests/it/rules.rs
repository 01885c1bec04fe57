//! One test per sandbox rule: each fails if its rule leaves the spec.

use std::time::Duration;

use grader_sandbox::Ending;
use grader_sandbox::{Archive, Limits};

use crate::support::{self, job, python, quick_limits, run};

fn stdout(outcome: &grader_sandbox::Outcome) -> String {
    outcome.stdout.text().trim().to_owned()
}

#[tokio::test]
async fn network_connections_are_disabled() {
    let code = r#"
import socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=3)
    print("CONNECTED")
except OSError as error:
    print("BLOCKED", error.errno)
print(sorted(name for _, name in socket.if_nameindex()))
"#;
    let outcome = run(&job(quick_limits()), python(code)).await;
    let out = stdout(&outcome);
    assert!(
        out.starts_with("BLOCKED"),
        "{out}\n{}",
        outcome.stderr.text()
    );
    assert!(out.ends_with("['lo']"), "only loopback may exist: {out}");
}

#[tokio::test]
async fn root_filesystem_is_read_only() {
    let code = r#"
for path in ["/etc/grader-was-here", "/opt/grader/entry.py", "/usr/bin/x"]:
    try:
        open(path, "w").write("x")
        print("WROTE", path)
    except OSError as error:
        print("REFUSED", error.strerror)

for line in open("/proc/self/mounts"):
    device, mountpoint, kind, options = line.split()[:4]
    if mountpoint == "/":
        print("ROOT", options.split(",")[0])
"#;
    let outcome = run(&job(quick_limits()), python(code)).await;
    let out = stdout(&outcome);
    assert!(!out.contains("WROTE"), "{out}");
    assert!(out.contains("Read-only file system"), "{out}");
    // The job user could not write those paths anyway; the mount says why.
    assert!(
        out.contains("ROOT ro"),
        "the root filesystem is mounted writable: {out}"
    );
}

#[tokio::test]
async fn job_runs_as_non_root_without_capabilities() {
    let code = r#"
import os
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
print(os.getuid(), os.getgid(), status["CapEff"].strip(), status["CapBnd"].strip(), status["NoNewPrivs"].strip())
"#;
    let outcome = run(&job(quick_limits()), python(code)).await;
    // The bounding set keeps SETUID and SETGID (bits 7 and 6), which only
    // the container's first process held, and dropped for good when it
    // became the job's user: with no-new-privileges nothing regains them.
    assert_eq!(
        stdout(&outcome),
        "1000 1000 0000000000000000 00000000000000c0 1"
    );
}

/// Init (pid 1) holds the container's stdout, the report channel: it is
/// root's, so a job can neither open its descriptors (to read report lines
/// off the pipe, or write into it), nor read its environment, nor signal it.
#[tokio::test]
async fn a_job_cannot_reach_init() {
    let code = r#"
import os, signal
def attempt(name, action):
    try:
        action()
        print(name, "done")
    except OSError as error:
        print(name, type(error).__name__)
attempt("fd", lambda: open("/proc/1/fd/1", "rb"))
attempt("fds", lambda: os.listdir("/proc/1/fd"))
attempt("environ", lambda: open("/proc/1/environ", "rb").read())
attempt("mem", lambda: open("/proc/1/mem", "rb"))
attempt("kill", lambda: os.kill(1, signal.SIGTERM))
uid = [line.split()[1] for line in open("/proc/1/status") if line.startswith("Uid:")][0]
print("init uid", uid)
"#;
    let outcome = run(&job(quick_limits()), python(code)).await;
    assert_eq!(
        stdout(&outcome),
        "fd PermissionError\nfds PermissionError\nenviron PermissionError\n\
         mem PermissionError\nkill PermissionError\ninit uid 0"
    );
}

#[tokio::test]
async fn number_of_pids_is_limited() {
    let code = r#"
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError:
    pass
print(children)
"#;
    let limits = Limits {
        pids: 32,
        ..quick_limits()
    };
    let outcome = run(&job(limits), python(code)).await;
    assert!(
        matches!(outcome.ending, Ending::Exited { code: 0 }),
        "{outcome:?}"
    );
    let children: u32 = stdout(&outcome).parse().expect("a count of children");
    assert!((1..32).contains(&children), "forked {children} children");
}

#[tokio::test]
async fn memory_hog_is_oom_killed_and_reported() {
    let code = "hog = b'x' * (1 << 30)\nprint('SURVIVED')";
    let limits = Limits {
        memory: 64 * 1024 * 1024,
        ..quick_limits()
    };
    let outcome = run(&job(limits), python(code)).await;
    assert_eq!(outcome.ending, Ending::OutOfMemory, "{outcome:?}");
    assert!(!stdout(&outcome).contains("SURVIVED"));
}

#[tokio::test]
async fn infinite_loop_is_killed_at_the_wall_time() {
    let limits = Limits {
        wall_time: Duration::from_secs(2),
        ..Limits::default()
    };
    let outcome = run(&job(limits), python("while True: pass")).await;
    assert_eq!(outcome.ending, Ending::TimedOut);
    assert!(
        outcome.duration < Duration::from_secs(10),
        "{:?}",
        outcome.duration
    );
}

#[tokio::test]
async fn output_flood_is_cut_at_the_cap_and_reported() {
    let code = r#"
import sys
chunk = b"y" * (1 << 20)
for _ in range(100):
    sys.stdout.buffer.write(chunk)
"#;
    let limits = Limits {
        output: 1024 * 1024,
        ..quick_limits()
    };
    let outcome = run(&job(limits), python(code)).await;
    assert_eq!(outcome.ending, Ending::OutputLimit);
    assert_eq!(outcome.stdout.bytes.len(), 1024 * 1024);
    assert!(outcome.stdout.truncated());
}

#[tokio::test]
async fn disk_fill_is_stopped_by_the_tmpfs_size() {
    let code = r#"
written = 0
try:
    with open("/work/fill", "wb") as out:
        for _ in range(1000):
            out.write(b"z" * (1 << 20))
            out.flush()
            written += 1
except OSError as error:
    print("STOPPED", error.strerror, written)
"#;
    let limits = Limits {
        scratch: 8 * 1024 * 1024,
        ..quick_limits()
    };
    let outcome = run(&job(limits), python(code)).await;
    let out = stdout(&outcome);
    assert!(out.starts_with("STOPPED No space left on device"), "{out}");
    let written: u32 = out.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(written <= 8, "wrote {written} MiB into an 8 MiB tmpfs");
}

#[tokio::test]
async fn file_size_is_limited() {
    let code = r#"
try:
    with open("/work/big", "wb") as out:
        out.write(b"z" * (4 << 20))
    print("WROTE")
except OSError as error:
    print("STOPPED", error.strerror)
"#;
    let limits = Limits {
        file_size: 1024 * 1024,
        ..quick_limits()
    };
    let outcome = run(&job(limits), python(code)).await;
    assert_eq!(stdout(&outcome), "STOPPED File too large");
}

#[tokio::test]
async fn tar_entries_that_escape_are_refused_before_the_archive_is_built() {
    let mut archive = Archive::new();
    for name in ["../x", "/etc/passwd", "a/../../x"] {
        assert!(archive.add(name, "x").is_err(), "{name} was accepted");
    }
}

/// The entry script checks again what the grader's own archive code already
/// refuses: a tar made elsewhere with a symlink or `..` never gets unpacked,
/// and the job's command never runs.
#[tokio::test]
async fn entry_refuses_symlinks_and_parent_names_before_running_anything() {
    for (name, kind) in [
        ("link", tar::EntryType::Symlink),
        ("../escape", tar::EntryType::Regular),
        ("/abs", tar::EntryType::Regular),
    ] {
        let mut builder = tar::Builder::new(Vec::new());
        let manifest = br#"{"command": ["python3", "-c", "print('RAN')"]}"#;
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, ".grader/job.json", &manifest[..])
            .unwrap();
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(0o644);
        header.set_size(0);
        // Write the raw name: the tar crate's own helpers refuse `..`.
        let raw = header.as_old_mut();
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
        if kind == tar::EntryType::Symlink {
            raw.linkname[..11].copy_from_slice(b"/etc/passwd");
        }
        header.set_cksum();
        builder.append(&header, &[][..]).unwrap();
        let tar = builder.into_inner().unwrap();

        let sandbox = support::sandbox().await;
        let prepared = sandbox.prepare(&job(quick_limits())).await.unwrap();
        let id = prepared.container_id().to_owned();
        let outcome = prepared.run_tar(tar).await.unwrap();
        support::assert_container_gone(&id).await;
        assert_eq!(
            outcome.ending,
            Ending::Exited { code: 125 },
            "{name}: {outcome:?}"
        );
        assert!(
            !outcome.stdout.text().contains("RAN"),
            "{name}: the command ran"
        );
        assert!(
            outcome.stderr.text().contains("refusing tar entry"),
            "{name}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn an_init_process_is_pid_one_and_exit_codes_come_back() {
    let code = r#"
import sys
print(open("/proc/1/comm").read().strip())
sys.exit(7)
"#;
    let outcome = run(&job(quick_limits()), python(code)).await;
    assert_eq!(stdout(&outcome), "docker-init");
    assert_eq!(outcome.ending, Ending::Exited { code: 7 });
}

/// Regression: after an output overflow the engine would not finish the
/// kill while it was blocked writing output nobody read, and the run hung
/// for bollard's two-minute request timeout. The stream is now dropped
/// before the kill.
#[tokio::test]
async fn output_overflow_on_stderr_ends_without_waiting_for_unread_output() {
    let code = r#"
import sys
chunk = "e" * (1 << 20)
while True:
    sys.stderr.write(chunk)
"#;
    let limits = Limits {
        output: 64 * 1024,
        ..quick_limits()
    };
    let outcome = tokio::time::timeout(Duration::from_secs(60), run(&job(limits), python(code)))
        .await
        .expect("the run ended instead of hanging on the kill");
    assert_eq!(outcome.ending, Ending::OutputLimit);
    assert!(outcome.stderr.truncated());
}
