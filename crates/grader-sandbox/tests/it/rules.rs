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

/// What shows the machine's activity reads as empty: a job cannot tell
/// from it whether other jobs run beside it.
#[tokio::test]
async fn the_machines_activity_counters_are_masked() {
    let code = r#"
import os
for path in ("/proc/stat", "/proc/loadavg", "/proc/uptime", "/proc/vmstat", "/proc/meminfo",
             "/proc/interrupts", "/proc/softirqs", "/proc/diskstats", "/proc/schedstat"):
    try:
        print(path, len(open(path).read()))
    except OSError as error:
        print(path, "refused", error.errno)
print("pressure", os.listdir("/proc/pressure") if os.path.isdir("/proc/pressure") else "none")
print("cpus", os.cpu_count())
print("self", len(open("/proc/self/stat").read()) > 0)
"#;
    let outcome = run(&job(quick_limits()), python(code)).await;
    let out = stdout(&outcome);
    for path in grader_sandbox::spec::MASKED_PATHS
        .iter()
        .filter(|path| path.starts_with("/proc/") && !path.ends_with("pressure"))
    {
        for line in out
            .lines()
            .filter(|line| line.starts_with(&format!("{path} ")))
        {
            assert!(
                line.ends_with(" 0") || line.contains(" refused "),
                "{path} shows something: {line}\n{out}"
            );
        }
    }
    assert!(out.contains("/proc/stat 0"), "{out}");
    assert!(out.contains("/proc/loadavg 0"), "{out}");
    assert!(
        out.contains("pressure []") || out.contains("pressure none"),
        "{out}"
    );
    // What a job needs of its own still works.
    assert!(out.contains("self True"), "{out}");
    assert!(!out.contains("cpus None"), "{out}");
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

/// The CPU share (`Limits::cpus`) is the engine's CFS quota: two processes
/// that spin for a second get at most the share's CPU time, whatever the
/// machine's cores.
#[tokio::test]
async fn cpu_time_is_held_to_the_jobs_share() {
    let code = r#"
import os, time
def quota():
    try:
        return open("/sys/fs/cgroup/cpu.max").read().split()[0]
    except OSError:
        return open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read().strip()
print("quota", quota())
started = time.monotonic()
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        while time.monotonic() - started < 1.5:
            pass
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
wall = time.monotonic() - started
spent = os.times().children_user + os.times().children_system
print("share", round(spent / wall, 2))
"#;
    let limits = Limits {
        cpus: 0.5,
        ..quick_limits()
    };
    let outcome = run(&job(limits), python(code)).await;
    let out = stdout(&outcome);
    assert!(out.starts_with("quota 50000\n"), "{out}");
    let share: f64 = out
        .rsplit_once("share ")
        .and_then(|(_, share)| share.parse().ok())
        .unwrap_or_else(|| panic!("no share in {out}"));
    // Half a core, and a period's slack; a busy machine only lowers it.
    assert!(
        share <= 0.65,
        "two spinning processes got {share} of a core"
    );
}

/// `Limits::open_files` is the job's `nofile` limit, soft and hard: it
/// cannot raise it, and opening past it fails.
#[tokio::test]
async fn open_files_are_limited() {
    let code = r#"
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
print("limit", soft, hard)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard + 1, hard + 1))
    print("raised")
except (ValueError, OSError):
    print("kept")
files = []
try:
    while True:
        files.append(open("/dev/null"))
except OSError as error:
    print("refused", error.errno, len(files))
"#;
    let limits = Limits {
        open_files: 40,
        ..quick_limits()
    };
    let outcome = run(&job(limits), python(code)).await;
    let out = stdout(&outcome);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], ["limit 40 40", "kept"], "{out}");
    // EMFILE (24), after fewer than 40 (stdio and the runtime hold some).
    let refused: Vec<&str> = lines[2].split(' ').collect();
    assert_eq!(refused[..2], ["refused", "24"], "{out}");
    let opened: usize = refused[2].parse().unwrap();
    assert!((20..40).contains(&opened), "{out}");
}

/// The engine keeps no log of a job's output (log driver `none`): what a
/// learner prints is never written to the host's disk by the engine, nor
/// readable through its API.
#[tokio::test]
async fn the_engine_keeps_no_log_of_a_job() {
    let sandbox = support::sandbox().await;
    let prepared = sandbox
        .prepare(&job(quick_limits()))
        .await
        .expect("a container starts");
    let id = prepared.container_id().to_owned();
    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    let inspected = docker.inspect_container(&id, None).await.unwrap();
    let log = inspected
        .host_config
        .and_then(|host| host.log_config)
        .and_then(|log| log.typ);
    assert_eq!(log.as_deref(), Some("none"));
    let outcome = prepared
        .run(python("print('a learner line')"))
        .await
        .expect("the job runs");
    assert_eq!(stdout(&outcome), "a learner line");
    support::assert_container_gone(&id).await;
}

/// The job's writable places hold data, not programs (`noexec`), `/dev/shm`
/// is small, and a crash leaves no core file.
#[tokio::test]
async fn scratch_space_runs_nothing_and_a_crash_dumps_no_core() {
    let code = r##"
import os, resource, subprocess
for place in ("/work", "/tmp", "/dev/shm"):
    path = os.path.join(place, "run-me")
    try:
        with open(path, "w") as script:
            script.write("#!/bin/sh\necho ran\n")
        os.chmod(path, 0o755)
        print(place, subprocess.run([path], capture_output=True, text=True).stdout.strip())
    except OSError as error:
        print(place, type(error).__name__)
shm = os.statvfs("/dev/shm")
print("shm MiB", shm.f_blocks * shm.f_frsize // (1024 * 1024))
print("core", resource.getrlimit(resource.RLIMIT_CORE))
"##;
    let outcome = run(&job(quick_limits()), python(code)).await;
    assert_eq!(
        stdout(&outcome),
        "/work PermissionError\n/tmp PermissionError\n/dev/shm PermissionError\n\
         shm MiB 8\ncore (0, 0)"
    );
}

/// `/tmp` is a small tmpfs of its own: filling it stops at its size.
#[tokio::test]
async fn tmp_fill_is_stopped_by_its_size() {
    let code = r#"
import errno
written = 0
try:
    # Files of 4 MiB, each under the file size limit: only the mount's
    # size can stop them.
    for number in range(16):
        with open("/tmp/fill-%d" % number, "wb") as out:
            for _ in range(64):
                out.write(b"x" * 65536)
                out.flush()
                written += 65536
    print("wrote", written)
except OSError as error:
    print("stopped", errno.errorcode[error.errno], written // (1024 * 1024))
"#;
    let outcome = run(&job(quick_limits()), python(code)).await;
    let out = stdout(&outcome);
    assert!(out.starts_with("stopped ENOSPC "), "{out}");
    let mib: u64 = out.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(mib <= 16, "{out}");
}
