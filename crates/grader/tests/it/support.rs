//! Shared helpers: the repository's exercises, scratch copies of them, a
//! grader on the real engine, a runner that records its containers, and
//! redactions for snapshots.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use grader::{Exercise, GradeResult, Grader, Images, Submission};
use grader_sandbox::{
    Archive, DockerSandbox, ForkPool, Job, Outcome, Runner, SandboxError, Session,
};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn exercise_dir(id: &str) -> PathBuf {
    root().join("exercises").join(id)
}

pub async fn grader_sandbox() -> DockerSandbox {
    DockerSandbox::connect()
        .await
        .expect("these tests need a running Docker engine; start dockerd")
}

pub async fn grader() -> Grader<DockerSandbox> {
    Grader::new(
        grader_sandbox().await,
        Images::new(root().join("runner-images")),
    )
}

/// A copy of exercise `id` in a temporary folder named like the original,
/// to break on purpose.
pub fn scratch_copy(id: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let (track, slug) = id.split_once('/').unwrap();
    let track = temp.path().join(track);
    let dir = track.join(slug);
    copy_tree(&exercise_dir(id), &dir);
    (temp, dir)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Grades `files` (name, contents) as a submission of exercise `id`.
pub async fn grade(id: &str, files: &[(&str, &str)]) -> GradeResult {
    let exercise = Exercise::load(&exercise_dir(id)).unwrap();
    let submission = Submission {
        files: files
            .iter()
            .map(|(name, contents)| (name.to_string(), contents.as_bytes().to_vec()))
            .collect(),
    };
    let result = grader().await.grade(&exercise, &submission).await;
    if let Some(error) = &result.error {
        assert!(
            error.learner_fault,
            "the grader itself failed ({}): {} — are the runner images built (`grader images build`)?",
            error.kind.as_str(),
            error.message
        );
    }
    result
}

/// Grades `files` as a submission of the exercise in `dir` with a
/// [`Recording`] runner: the result, and the containers it made.
pub async fn grade_recorded(dir: &Path, files: &[(&str, &str)]) -> (GradeResult, Made) {
    let exercise = Exercise::load(dir).unwrap();
    let submission = Submission {
        files: files
            .iter()
            .map(|(name, contents)| (name.to_string(), contents.as_bytes().to_vec()))
            .collect(),
    };
    let (runner, made) = Recording::new().await;
    let grader = Grader::new(runner, Images::new(root().join("runner-images")));
    (grader.grade(&exercise, &submission).await, made)
}

/// Grades `files` as a submission of the exercise in `dir`, forked in
/// learners' containers as `grader serve` runs learners' jobs by default
/// (a `ForkPool` of its own, closed after): the result, and whether a
/// container of the pool's is left.
pub async fn grade_forked(dir: &Path, files: &[(&str, &str)]) -> (GradeResult, Vec<String>) {
    let exercise = Exercise::load(dir).unwrap();
    let submission = Submission {
        files: files
            .iter()
            .map(|(name, contents)| (name.to_string(), contents.as_bytes().to_vec()))
            .collect(),
    };
    let sandbox = grader_sandbox().await;
    let pool = ForkPool::new(sandbox.clone(), 1, std::time::Duration::from_secs(600));
    let grader = Grader::new(pool.clone(), Images::new(root().join("runner-images")));
    let result = grader.grade(&exercise, &submission).await;
    let kept = pool.idle_containers();
    pool.close(std::time::Duration::from_secs(20)).await;
    let existing = sandbox.own_containers().await.unwrap();
    let left = kept
        .into_iter()
        .filter(|id| existing.iter().any(|(other, _)| other == id))
        .collect();
    (result, left)
}

pub fn reference(id: &str, file: &str) -> String {
    std::fs::read_to_string(exercise_dir(id).join("reference").join(file)).unwrap()
}

/// Insta settings that blank out what changes from run to run.
pub fn redactions() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\(\d+\.\ds\)", "([TIME]s)");
    settings.add_filter(r#""duration_ms": \d+"#, r#""duration_ms": "[MS]""#);
    settings.add_filter(r"/tmp/\.tmp[A-Za-z0-9]+", "[TEMP]");
    settings
}

/// The message of test `id` in `result`; the test must be there.
pub fn message_of<'a>(result: &'a GradeResult, id: &str) -> &'a str {
    let test = result
        .tests
        .iter()
        .find(|test| test.id == id)
        .unwrap_or_else(|| panic!("no test {id} in {result:#?}"));
    test.message.as_deref().unwrap_or_default()
}

/// A runner on the real engine that keeps the id of every container it
/// makes in [`Made`], so a test can check that its own are gone while other
/// tests' containers come and go beside them.
pub struct Recording {
    sandbox: DockerSandbox,
    made: Made,
}

/// The containers a [`Recording`] made.
#[derive(Clone)]
pub struct Made {
    sandbox: DockerSandbox,
    ids: Arc<Mutex<Vec<String>>>,
}

impl Recording {
    pub async fn new() -> (Recording, Made) {
        let sandbox = grader_sandbox().await;
        let made = Made {
            sandbox: sandbox.clone(),
            ids: Arc::default(),
        };
        let recording = Recording {
            sandbox,
            made: made.clone(),
        };
        (recording, made)
    }

    fn record(&self, prepared: &grader_sandbox::Prepared) {
        self.made
            .ids
            .lock()
            .unwrap()
            .push(prepared.container_id().to_owned());
    }
}

impl Made {
    /// The containers made that still exist.
    pub async fn left_behind(&self) -> Vec<String> {
        let made = self.ids.lock().unwrap().clone();
        assert!(!made.is_empty(), "no container was made");
        let existing = self.sandbox.own_containers().await.unwrap();
        made.into_iter()
            .filter(|id| existing.iter().any(|(other, _)| other == id))
            .collect()
    }
}

impl Runner for Recording {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        let prepared = self.sandbox.prepare(job).await?;
        self.record(&prepared);
        prepared.run(input).await
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        let prepared = self.sandbox.prepare(job).await?;
        self.record(&prepared);
        Ok(prepared.session(input))
    }
}
