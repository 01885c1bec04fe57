//! Test support shared by the crates' tests and benchmarks.
//!
//! [`bench`]: the benchmarks' knobs and what they print of the machine.
//!
//! [`fake`]: [`FakeRunner`], a runner without an engine for unit tests of
//! the kinds' judgement.
//!
//! [`TempPostgres`]: a PostgreSQL server of its own in a temporary
//! directory, from Debian's `postgresql` package (`.ci/run` installs it),
//! on a loopback port, removed when dropped. Tests that need PostgreSQL
//! fail, saying what is missing, when the package is not installed: they
//! never skip.

pub mod bench;
pub mod fake;

pub use fake::FakeRunner;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The role every test connects as (a superuser of the throwaway server).
pub const USER: &str = "grader";

/// How long a server may take to accept connections.
const START: Duration = Duration::from_secs(60);

/// A running PostgreSQL server in a temporary directory.
#[derive(Debug)]
pub struct TempPostgres {
    /// The thread that started the server and stops it when told (or
    /// when it ends: the server dies with it, see [`user_command`]).
    keeper: Option<std::thread::JoinHandle<()>>,
    stop: std::sync::mpsc::Sender<()>,
    port: u16,
    durability: Durability,
    dir: tempfile::TempDir,
    databases: std::sync::atomic::AtomicUsize,
}

/// How the server keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// No fsync, no synchronous commit: a test's data is throwaway, and
    /// the machine's disk is shared with everything else. For tests.
    ///
    /// A crash of the server loses the last commits; nothing here is
    /// of value.
    Throwaway,
    /// PostgreSQL's defaults: a commit is on disk. For benchmarks.
    Durable,
}

impl TempPostgres {
    /// Creates a cluster (`initdb`) and starts its server.
    ///
    /// # Panics
    /// When PostgreSQL is not installed or does not start: the message
    /// names what is missing.
    pub fn start(durability: Durability) -> TempPostgres {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("grader-postgres-")
            .tempdir()
            .expect("create a directory for a PostgreSQL cluster");
        let data = dir.path().join("data");
        let as_root = is_root();
        if as_root {
            // PostgreSQL refuses to run as root: the cluster belongs to the
            // `postgres` user that Debian's package creates.
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path()));
        }
        run(user_command(as_root, &bin.join("initdb"))
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", USER, "--auth", "trust", "--encoding", "UTF8"])
            .args(["--no-sync", "--no-instructions"]));
        let (stop, _) = std::sync::mpsc::channel();
        let mut started = TempPostgres {
            keeper: None,
            stop,
            port: free_port(),
            durability,
            dir,
            databases: std::sync::atomic::AtomicUsize::new(0),
        };
        started.start_server();
        started
    }

    /// Stops the server (a fast shutdown: its clients are cut off), as a
    /// database's bad day would; [`TempPostgres::start_server`] starts it
    /// again on the same port and data.
    pub fn stop_server(&mut self) {
        let _ = self.stop.send(());
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
    }

    /// Starts the server on the cluster, and waits until it takes
    /// connections.
    ///
    /// # Panics
    /// When it does not start.
    pub fn start_server(&mut self) {
        let bin = bin_dir();
        let mut postgres = user_command(is_root(), &bin.join("postgres"));
        postgres
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-k")
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.durability == Durability::Throwaway {
            postgres.args(["-c", "fsync=off", "-c", "synchronous_commit=off"]);
            postgres.args(["-c", "full_page_writes=off"]);
        }
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = std::sync::mpsc::channel::<()>();
        // The parent-death signal fires when the *thread* that started the
        // server ends, so a thread of its own starts it and lives exactly
        // as long as the server should.
        let keeper = std::thread::spawn(move || {
            let server = postgres.spawn();
            let mut server = match server {
                Ok(server) => server,
                Err(error) => {
                    let _ = started_tx.send(Err(error.to_string()));
                    return;
                }
            };
            let _ = started_tx.send(Ok(server.id()));
            // Until told to stop, or the server ends by itself.
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stop_rx.recv_timeout(Duration::from_millis(100))
            {
                if let Ok(Some(_)) = server.try_wait() {
                    return;
                }
            }
            // SIGTERM would wait for clients to go; SIGINT is a fast
            // shutdown.
            let _ = Command::new("kill")
                .args(["-INT", &server.id().to_string()])
                .status();
            let began = Instant::now();
            while began.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = server.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = server.kill();
            let _ = server.wait();
        });
        match started_rx.recv() {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => panic!("start {}: {error}", bin.join("postgres").display()),
            Err(_) => panic!("the thread starting PostgreSQL ended"),
        }
        self.keeper = Some(keeper);
        self.stop = stop;
        self.wait_ready();
    }

    /// A connection URL for the default database `postgres`.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// A connection URL for the database `name`.
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database and returns its URL: each test its
    /// own, on one server.
    pub fn fresh_database(&self) -> String {
        let number = self
            .databases
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("test_{number}");
        run(Command::new(bin_dir().join("createdb"))
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--username", USER, &name]));
        self.url_of(&name)
    }

    /// Where the cluster lives.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn wait_ready(&self) {
        let began = Instant::now();
        loop {
            if self
                .keeper
                .as_ref()
                .is_none_or(|keeper| keeper.is_finished())
            {
                panic!(
                    "PostgreSQL exited at start; its cluster is in {}",
                    self.dir.path().display()
                );
            }
            let ready = Command::new(bin_dir().join("pg_isready"))
                .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
                .args(["--username", USER, "--quiet"])
                .status()
                .is_ok_and(|status| status.success());
            if ready {
                return;
            }
            assert!(
                began.elapsed() < START,
                "PostgreSQL did not accept connections within {START:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
    }
}

/// The newest PostgreSQL server's programs Debian installed, or those in
/// `GRADER_POSTGRES_BIN`.
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GRADER_POSTGRES_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server under /usr/lib/postgresql: install Debian's `postgresql` \
             package (ci/setup test does, from ci/packages.txt), or set GRADER_POSTGRES_BIN"
        )
    })
}

/// `program` as the `postgres` user when this process is root, and dying
/// with the thread that started it (the parent-death signal is a
/// thread's), so a test killed midway leaves no server behind.
fn user_command(as_root: bool, program: &Path) -> Command {
    let mut command = Command::new("setpriv");
    command.arg("--pdeathsig=KILL");
    if as_root {
        command.args(["--reuid=postgres", "--regid=postgres", "--init-groups"]);
    }
    command.arg(program);
    command
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("a bound port").port();
    drop(listener);
    // Nothing listens there now; keep the check honest.
    debug_assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    port
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
