//! The hardened container spec: the one place a container's settings are
//! decided. Every rule here has a test in `tests/it/rules.rs` that fails when
//! the rule is removed (the mounts: this module's unit tests), but for
//! `memory_swap` = `memory`, which no test tells from swap being on.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, HostConfigLogConfig, ResourcesUlimits};

use crate::{CONTAINER_LABEL, Job};

/// The unprivileged user every job runs as; the runner images name it `grader`.
pub const JOB_USER: &str = "1000:1000";
/// The user a container starts as: root, with only the two capabilities
/// (`CONTAINER_CAPABILITIES`) its first process needs to become
/// [`JOB_USER`] before anything else (`runner-images/common/grader_user.py`).
/// So init, pid 1, which holds the container's stdin and stdout, is not the
/// job user's: a job cannot open its descriptors, read its environment or
/// signal it.
pub const CONTAINER_USER: &str = "0:0";
/// Capabilities the container's first process holds until it drops them.
pub const CONTAINER_CAPABILITIES: &[&str] = &["SETUID", "SETGID"];
/// The job's working directory, a tmpfs the job user owns (root, with the
/// sticky bit, in a learners' container).
pub const WORKDIR: &str = "/work";
/// The command every container starts with: it waits for the job on stdin.
pub const ENTRY: &[&str] = &["/usr/bin/python3", "-I", "/opt/grader/entry.py"];
/// Size of the writable `/tmp`.
const TMP_SIZE: u64 = 16 * 1024 * 1024;
/// Size of `/dev/shm`.
const SHM_SIZE: i64 = 8 * 1024 * 1024;

/// Paths a job reads as empty (the engine binds `/dev/null` over a file
/// and an empty read-only tmpfs over a folder). The engine's own defaults
/// first (setting the list replaces them), then what shows the whole
/// machine's activity, by which a run could tell whether other runs go on
/// beside it (the pytest kind's correct implementation runs among its
/// bugs): CPU time, forks and the last pid, load, memory and paging
/// counters, interrupts, disk and pressure statistics.
pub const MASKED_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/proc/stat",
    "/proc/loadavg",
    "/proc/uptime",
    "/proc/vmstat",
    "/proc/schedstat",
    "/proc/softirqs",
    "/proc/interrupts",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/pressure",
];

/// Labels that tell who made a container, so a sweep can tell leftovers from
/// containers another live grader process is using.
#[derive(Debug, Clone)]
pub struct Owner {
    pub pid: u32,
    pub host: String,
}

impl Owner {
    pub fn current() -> Self {
        Owner {
            pid: std::process::id(),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|name| name.trim().to_owned())
                .unwrap_or_default(),
        }
    }
}

/// The environment of the job's process.
pub(crate) fn job_env(job: &Job) -> Vec<String> {
    let mut env = vec![
        "PATH=/usr/local/bin:/usr/bin:/bin".to_owned(),
        "HOME=/work".to_owned(),
        "LANG=C.UTF-8".to_owned(),
        "PYTHONDONTWRITEBYTECODE=1".to_owned(),
        "PYTHONUNBUFFERED=1".to_owned(),
    ];
    env.extend(job.env.iter().map(|(key, value)| format!("{key}={value}")));
    env
}

/// A random hex string, for markers a job cannot guess.
pub(crate) fn nonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The command of a shared container: the image's zygote, which forks
/// each job (`runner-images/common/grader_zygote.py`).
pub const ZYGOTE: &[&str] = &["/usr/bin/python3", "-I", "/opt/grader/grader_zygote.py"];
/// Where a shared container sees the grader's socket folder.
pub const DIRECT_DIR: &str = "/run/grader-zygote";
/// The first of the uids learners' jobs run as, one each
/// ([`crate::ForkPool`]); the runner images' `/etc/passwd` names every one
/// (`job<uid>`, `images.rs`).
pub const POOL_FIRST_UID: u32 = 20000;
/// How many uids there are from [`POOL_FIRST_UID`] on.
pub const POOL_UIDS: u32 = 1024;

/// What a container runs.
#[derive(Debug, Clone)]
pub enum Start<'a> {
    /// One job, read from stdin ([`ENTRY`]).
    Job,
    /// The zygote, for several jobs one after another
    /// ([`crate::SharedRunner`]): no stdin. With `socket`, the grader's
    /// folder where the zygote connects, mounted read-only at
    /// [`DIRECT_DIR`]: the one host path a container may see. With
    /// `users`, a learners' zygote ([`crate::ForkPool`]): it stays root
    /// and runs each job as a uid of its own from that range; the scratch
    /// folders are root's, open to all with the sticky bit, as `/tmp` is.
    Zygote {
        socket: Option<&'a std::path::Path>,
        users: Option<std::ops::Range<u32>>,
    },
}

/// Builds the container spec for `job`: no network, read-only root, an init
/// that is root's and jobs that run as a user without capabilities, hard
/// limits, no logs kept by the engine; stdin open for the job's files
/// ([`Start::Job`]), or the zygote and its socket folder ([`Start::Zygote`]).
pub fn hardened_container(job: &Job, owner: &Owner, start: Start<'_>) -> ContainerCreateBody {
    let scratch_owner = match &start {
        Start::Zygote { users: Some(_), .. } => ScratchOwner::Root,
        _ => ScratchOwner::JobUser,
    };
    let mut body = hardened(job, owner, scratch_owner);
    if let Start::Zygote { socket, users } = start {
        body.cmd = Some(ZYGOTE.iter().map(|arg| (*arg).to_owned()).collect());
        body.attach_stdin = Some(false);
        body.attach_stdout = Some(false);
        body.attach_stderr = Some(false);
        body.open_stdin = Some(false);
        body.stdin_once = Some(false);
        if let Some(socket) = socket {
            let host_config = body.host_config.get_or_insert_with(Default::default);
            host_config.binds = Some(vec![format!("{}:{DIRECT_DIR}:ro", socket.display())]);
            body.env
                .get_or_insert_with(Vec::new)
                .push(format!("GRADER_ZYGOTE_DIR={DIRECT_DIR}"));
        }
        if let Some(users) = users {
            body.env.get_or_insert_with(Vec::new).push(format!(
                "GRADER_ZYGOTE_UIDS={}:{}",
                users.start,
                users.len()
            ));
        }
    }
    body
}

/// Who owns the scratch folders (`/work`, `/tmp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScratchOwner {
    /// The job's user, the only one: `/work` is its alone.
    JobUser,
    /// Root: every job's user makes its files there, and removes them
    /// after (a learners' container).
    Root,
}

/// What every container shares, whatever it runs.
fn hardened(job: &Job, owner: &Owner, scratch_owner: ScratchOwner) -> ContainerCreateBody {
    let limits = &job.limits;
    let env = job_env(job);

    let owner_option = match scratch_owner {
        ScratchOwner::JobUser => "uid=1000,gid=1000",
        ScratchOwner::Root => "uid=0,gid=0",
    };
    // The engine gives a tmpfs the mode of the image's folder beneath it,
    // whatever `mode=` says: the images make both 1777 (images.rs).
    let tmpfs = HashMap::from([
        (
            WORKDIR.to_owned(),
            format!(
                "rw,nosuid,nodev,noexec,size={},{owner_option},mode=1777",
                limits.scratch
            ),
        ),
        (
            "/tmp".to_owned(),
            format!("rw,nosuid,nodev,noexec,size={TMP_SIZE},{owner_option},mode=1777"),
        ),
    ]);

    let labels = HashMap::from([
        (CONTAINER_LABEL.to_owned(), "1".to_owned()),
        (format!("{CONTAINER_LABEL}.pid"), owner.pid.to_string()),
        (format!("{CONTAINER_LABEL}.host"), owner.host.clone()),
    ]);

    let memory = i64::try_from(limits.memory).unwrap_or(i64::MAX);
    ContainerCreateBody {
        image: Some(job.image.clone()),
        cmd: Some(ENTRY.iter().map(|arg| (*arg).to_owned()).collect()),
        entrypoint: Some(Vec::new()),
        user: Some(CONTAINER_USER.to_owned()),
        working_dir: Some(WORKDIR.to_owned()),
        env: Some(env),
        labels: Some(labels),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(true),
        stdin_once: Some(true),
        tty: Some(false),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            network_mode: Some("none".to_owned()),
            readonly_rootfs: Some(true),
            tmpfs: Some(tmpfs),
            shm_size: Some(SHM_SIZE),
            cap_drop: Some(vec!["ALL".to_owned()]),
            cap_add: Some(
                CONTAINER_CAPABILITIES
                    .iter()
                    .map(|cap| (*cap).to_owned())
                    .collect(),
            ),
            security_opt: Some(vec!["no-new-privileges".to_owned()]),
            masked_paths: Some(MASKED_PATHS.iter().map(|path| (*path).to_owned()).collect()),
            privileged: Some(false),
            init: Some(true),
            memory: Some(memory),
            memory_swap: Some(memory),
            nano_cpus: Some((limits.cpus * 1e9) as i64),
            pids_limit: Some(limits.pids),
            ulimits: Some(vec![
                ulimit("nofile", limits.open_files),
                ulimit("fsize", limits.file_size),
                ulimit("core", 0),
            ]),
            log_config: Some(HostConfigLogConfig {
                typ: Some("none".to_owned()),
                config: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn ulimit(name: &str, value: i64) -> ResourcesUlimits {
    ResourcesUlimits {
        name: Some(name.to_owned()),
        soft: Some(value),
        hard: Some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job {
            image: "grader-python:test".to_owned(),
            limits: Default::default(),
            env: vec![],
            own_container: false,
        }
    }

    #[test]
    fn the_spec_never_mounts_host_paths_or_grants_privileges() {
        for start in [
            Start::Job,
            Start::Zygote {
                socket: None,
                users: None,
            },
            Start::Zygote {
                socket: None,
                users: Some(POOL_FIRST_UID..POOL_FIRST_UID + 64),
            },
        ] {
            let spec = hardened_container(&job(), &Owner::current(), start);
            assert_eq!(spec.host_config.expect("host config").binds, None);
        }
        let spec = hardened_container(&job(), &Owner::current(), Start::Job);
        let host = spec.host_config.expect("host config");
        assert_eq!(host.binds, None);
        assert_eq!(host.mounts, None);
        assert_eq!(host.volumes_from, None);
        assert_eq!(host.privileged, Some(false));
        assert_eq!(
            host.cap_add,
            Some(vec!["SETUID".to_owned(), "SETGID".to_owned()]),
            "only what the first process needs to become the job's user"
        );
        assert_eq!(spec.user.as_deref(), Some(CONTAINER_USER));
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(
            host.memory, host.memory_swap,
            "swap must count against memory"
        );
        assert_eq!(host.devices, None);
        assert_eq!(spec.volumes, None);
        assert_eq!(host.network_mode.as_deref(), Some("none"));
        assert_eq!(host.readonly_rootfs, Some(true));
        assert_eq!(host.init, Some(true));
        assert_eq!(
            host.log_config.and_then(|log| log.typ).as_deref(),
            Some("none"),
            "the engine must not keep a log of the job's output"
        );
    }

    /// The one host path a container may see: a zygote's socket folder,
    /// read-only, and only where the grader asked for it.
    #[test]
    fn a_zygote_sees_only_its_socket_folder_read_only() {
        let socket = std::path::Path::new("/tmp/grader-zygote-test");
        let spec = hardened_container(
            &job(),
            &Owner::current(),
            Start::Zygote {
                socket: Some(socket),
                users: None,
            },
        );
        let host = spec.host_config.expect("host config");
        assert_eq!(
            host.binds,
            Some(vec![format!("/tmp/grader-zygote-test:{DIRECT_DIR}:ro")])
        );
        assert_eq!(host.mounts, None);
        assert_eq!(host.readonly_rootfs, Some(true));
        assert_eq!(spec.open_stdin, Some(false));
        assert_eq!(
            spec.cmd,
            Some(ZYGOTE.iter().map(|arg| (*arg).to_owned()).collect())
        );
    }
}
