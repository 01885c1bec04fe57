//! The five ways of grading one submission that the benchmark compares, and
//! the check that each run really passed, so that a broken method cannot
//! look fast.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use grader::{Exercise, Grader, Status, Submission};
use grader_sandbox::{DockerSandbox, ForkPool, Limits, Runner, WarmPool};
use tokio::io::AsyncWriteExt;

/// No single run may take longer than this; a hang is a failure, not a number.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    HostPytest,
    DockerRun,
    GraderCold,
    GraderWarm,
    GraderFork,
}

impl Method {
    pub fn label(self) -> &'static str {
        match self {
            Method::HostPytest => "pytest on the host (floor)",
            Method::DockerRun => "docker run --rm",
            Method::GraderCold => "grader, cold container",
            Method::GraderWarm => "grader, warm pool",
            Method::GraderFork => "grader, fork pool",
        }
    }
}

/// The grader's ways of running jobs, each behind a `Grader`.
#[derive(Clone)]
pub struct Graders {
    /// What `grader grade` uses: a container created per submission.
    pub cold: Arc<Grader<DockerSandbox>>,
    /// What `grader serve --isolation container` uses: a container
    /// started and waiting before the submission comes.
    pub warm: Arc<Grader<WarmPool>>,
    /// What `grader serve` uses: each job forked in a long-lived
    /// container, as a user of its own.
    pub forked: Arc<Grader<ForkPool>>,
}

/// One exercise, graded with its reference solution, and everything each
/// method needs to grade it.
pub struct Case {
    pub id: String,
    pub exercise: Exercise,
    pub submission: Submission,
    /// The exercise's test files, as `tests/<relative path>`.
    tests: Vec<(String, Vec<u8>)>,
    /// pytest's arguments: the listed test files.
    test_args: Vec<String>,
    pub graders: Graders,
    image: String,
    python: Option<PathBuf>,
}

impl Case {
    pub fn load(
        id: &str,
        root: &Path,
        graders: Graders,
        image: String,
        python: Option<PathBuf>,
    ) -> Case {
        // `bench/<name>`: a fixture of this benchmark's own.
        let dir = match id.strip_prefix("bench/") {
            Some(name) => root.join("crates/grader/benches/grading").join(name),
            None => root.join("exercises").join(id),
        };
        Case::from_dir(id, &dir, graders, image, python)
    }

    /// The exercise in `dir`, named `id` in what is printed.
    pub fn from_dir(
        id: &str,
        dir: &Path,
        graders: Graders,
        image: String,
        python: Option<PathBuf>,
    ) -> Case {
        let exercise = Exercise::load(dir)
            .unwrap_or_else(|error| panic!("exercise {id} does not load: {error}"));
        let submission = Submission::from_paths(&exercise, &[dir.join("reference")])
            .unwrap_or_else(|error| panic!("the reference solution of {id} is refused: {error}"));
        let mut tests = Vec::new();
        read_tree(&exercise.tests_dir(), "tests", &mut tests);
        let test_args = exercise
            .spec
            .tests
            .iter()
            .map(|test| format!("tests/{}", test.file))
            .collect();
        Case {
            id: id.to_owned(),
            exercise,
            submission,
            tests,
            test_args,
            graders,
            image,
            python,
        }
    }

    /// The job's files: the submission at the top, the tests under `tests/`.
    fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.submission
            .files
            .iter()
            .chain(self.tests.iter().map(|(name, contents)| (name, contents)))
            .map(|(name, contents)| (name.as_str(), contents.as_slice()))
    }

    /// Grades the reference solution once with `method`, checks that every
    /// test passed, and returns the time it took.
    pub async fn run_once(&self, method: Method) -> Duration {
        let run = async {
            match method {
                Method::HostPytest => self.host_pytest().await,
                Method::DockerRun => self.docker_run().await,
                Method::GraderCold => grade(&self.graders.cold, self, method).await,
                Method::GraderWarm => grade(&self.graders.warm, self, method).await,
                Method::GraderFork => grade(&self.graders.forked, self, method).await,
            }
        };
        tokio::time::timeout(RUN_TIMEOUT, run)
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{} on {} took more than {RUN_TIMEOUT:?}",
                    method.label(),
                    self.id
                )
            })
    }

    async fn host_pytest(&self) -> Duration {
        let python = self
            .python
            .as_ref()
            .expect("the floor runs only when pytest was found");
        let started = Instant::now();
        let dir = tempfile::tempdir().expect("a temporary folder for the host run");
        for (name, contents) in self.files() {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("a folder in the temporary folder");
            }
            std::fs::write(&path, contents).expect("a file in the temporary folder");
        }
        let output = tokio::process::Command::new(python)
            .args(["-m", "pytest", "-q"])
            .args(&self.test_args)
            .current_dir(dir.path())
            // As in the container: no bytecode files, and no third-party
            // plugins that happen to be installed on this host.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
            .stdin(Stdio::null())
            .output()
            .await
            .expect("python3 starts");
        drop(dir);
        let elapsed = started.elapsed();
        check_pytest_output("pytest on the host", &self.id, &output);
        elapsed
    }

    async fn docker_run(&self) -> Duration {
        let started = Instant::now();
        let tar = self.job_tar();
        let mut child = tokio::process::Command::new("docker")
            .args(docker_run_args(&self.exercise.limits()))
            .arg(&self.image)
            .args(grader_sandbox::spec::ENTRY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the docker CLI starts");
        let mut stdin = child.stdin.take().expect("stdin was piped");
        // The tar is a few KiB and the entry script reads all of it before
        // the job prints anything, so writing first cannot deadlock.
        stdin.write_all(&tar).await.expect("the tar goes in");
        stdin.shutdown().await.expect("stdin closes");
        drop(stdin);
        let output = child.wait_with_output().await.expect("docker run ends");
        let elapsed = started.elapsed();
        check_pytest_output("docker run --rm", &self.id, &output);
        elapsed
    }

    /// The uncompressed tar the entry script reads: a manifest that execs
    /// pytest, then the job's files. File entries only (no `.` entry).
    fn job_tar(&self) -> Vec<u8> {
        let mut command = vec!["python3", "-m", "pytest", "-q"];
        command.extend(self.test_args.iter().map(String::as_str));
        let manifest = serde_json::json!({ "command": command }).to_string();
        let mut builder = tar::Builder::new(Vec::new());
        for (name, contents) in [(".grader/job.json", manifest.as_bytes())]
            .into_iter()
            .chain(self.files())
        {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, name, contents)
                .expect("writing a tar into memory");
        }
        builder.into_inner().expect("finishing a tar in memory")
    }
}

/// Grades `case` with `grader`: the whole of `Grader::grade()`, as a caller
/// of the library waits for it.
async fn grade<R: Runner>(grader: &Grader<R>, case: &Case, method: Method) -> Duration {
    let started = Instant::now();
    let result = grader.grade(&case.exercise, &case.submission).await;
    let elapsed = started.elapsed();
    check_result(method.label(), &case.id, &result);
    elapsed
}

/// Adds every regular file under `dir` as `<prefix>/<relative path>`,
/// skipping caches, as the grader packs an exercise's tests.
fn read_tree(dir: &Path, prefix: &str, into: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .flatten()
        .collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "__pycache__" || name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let relative = format!("{prefix}/{name}");
        if path.is_dir() {
            read_tree(&path, &relative, into);
        } else {
            let contents = std::fs::read(&path)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            into.push((relative, contents));
        }
    }
}

/// The flags of `hardened_container()`, spelled for the docker CLI, with the
/// exercise's limits.
fn docker_run_args(limits: &Limits) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        "--rm",
        "-i",
        "--network=none",
        "--read-only",
        "--user=1000:1000",
        "--workdir=/work",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        "--init",
        "--log-driver=none",
        "--shm-size=8m",
        "--ulimit=core=0",
        "--env=PATH=/usr/local/bin:/usr/bin:/bin",
        "--env=HOME=/work",
        "--env=LANG=C.UTF-8",
        "--env=PYTHONDONTWRITEBYTECODE=1",
        "--env=PYTHONUNBUFFERED=1",
        "--tmpfs=/tmp:rw,nosuid,nodev,noexec,size=16m,uid=1000,gid=1000,mode=1777",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    args.extend([
        format!(
            "--tmpfs=/work:rw,nosuid,nodev,noexec,size={},uid=1000,gid=1000,mode=0700",
            limits.scratch
        ),
        format!("--memory={}", limits.memory),
        format!("--memory-swap={}", limits.memory),
        format!("--cpus={}", limits.cpus),
        format!("--pids-limit={}", limits.pids),
        format!("--ulimit=nofile={0}:{0}", limits.open_files),
        format!("--ulimit=fsize={0}:{0}", limits.file_size),
    ]);
    args
}

fn check_pytest_output(method: &str, id: &str, output: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let passed = stdout
        .lines()
        .any(|line| line.contains(" passed") && !line.contains("failed"));
    assert!(
        output.status.success() && passed,
        "{method} on {id} did not pass ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn check_result(method: &str, id: &str, result: &grader::GradeResult) {
    assert!(
        result.status == Status::Passed,
        "{method} on {id} did not pass: {:?}, error {:?}",
        result.status,
        result.error
    );
}
