//! What several tests need: the repository's root, a free port, a real
//! `grader serve` process, a token for it, and the containers a grader
//! process started.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `grader serve` on `db`, one worker; killed when dropped.
pub struct Served {
    pub child: Child,
    pub base: String,
}

impl Served {
    /// Starts `grader serve` with `flags` besides the database, the port
    /// and the folders.
    pub async fn start(db: &Path, flags: &[&str]) -> Served {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_grader"))
            .args(["serve", "--workers", "1"])
            .args(flags)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--db")
            .arg(db)
            .arg("--exercises")
            .arg(root().join("exercises"))
            .arg("--images-dir")
            .arg(root().join("runner-images"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the grader binary runs");
        let served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        wait_healthy(&served.base).await;
        served
    }

    pub fn kill_9(&mut self) {
        // Child::kill is SIGKILL on Unix: no shutdown code runs.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits, up to 30 s, until the service at `base` answers its health
/// check.
pub async fn wait_healthy(base: &str) {
    let started = Instant::now();
    while reqwest::get(format!("{base}/v1/health")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "grader serve did not come up at {base} (is the Docker engine running?)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new learner token `name` in the database `db`, made with
/// `grader tokens create`.
pub fn learner_token(db: impl AsRef<std::ffi::OsStr>, name: &str) -> String {
    token(db, name, "learner")
}

/// A new token `name` with `role` (`learner`, `author` or `admin`) in the
/// database `db`, made with `grader tokens create --role`.
pub fn token(db: impl AsRef<std::ffi::OsStr>, name: &str, role: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["tokens", "create", "--name", name, "--role", role, "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Containers, running or not, that the grader process `pid` started.
pub fn containers_of(pid: u32) -> Vec<String> {
    let output = Command::new("docker")
        .args(["ps", "--all", "--quiet", "--filter"])
        .arg(format!("label=dev.grader.sandbox.pid={pid}"))
        .output()
        .expect("the docker CLI runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A `grader` process, killed when dropped.
pub struct Node {
    pub child: Child,
}

impl Node {
    pub fn start(args: &[&str], db: &str) -> Node {
        let child = Command::new(env!("CARGO_BIN_EXE_grader"))
            .args(args)
            .args(["--db", db])
            .arg("--exercises")
            .arg(root().join("exercises"))
            .arg("--images-dir")
            .arg(root().join("runner-images"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the grader binary runs");
        Node { child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`STOP`, `CONT`, …) with kill(1).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// SIGTERM, then the exit status within 30 s.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        let started = Instant::now();
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return exit;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "a node did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
