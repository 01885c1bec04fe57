//! The job manifest (`.grader/job.json`): what the grader tells the
//! harness in a job's archive — the report channel's key and one kind's
//! job — typed here, read by `runner-images/common/entry.py` and each
//! kind's harness (`grader_pytest.run`, `grader_tests.run`,
//! `grader_sql.run`, `grader_api.run`, `grader_shell.run`). Golden files,
//! `runner-images/<image>/tests/manifests/<job>.json`, are written from
//! these types by `tests/it/manifests.rs` and read by the harness's unit
//! tests, so a field renamed on one side fails on the other.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::spec::api::Service;
use crate::spec::sql::{Engine, Mode};

/// The whole manifest: `{"key": …, "<job>": {…}}`.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    /// The job's report-channel key (`channel::Key::as_str`).
    pub key: &'a str,
    #[serde(flatten)]
    pub job: Job<'a>,
}

impl Manifest<'_> {
    /// The manifest as the archive carries it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a manifest is plain data")
    }
}

/// One kind's job, under its harness's key.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Job<'a> {
    /// The python kind: the exercise's tests against the learner's module.
    Pytest(PythonJob<'a>),
    /// The pytest kind: the learner's tests against an implementation.
    Tests(TestsJob<'a>),
    Sql(SqlJob<'a>),
    Api(ApiJob<'a>),
    /// The shell kind: the exercise's bats files against the learner's
    /// scripts.
    Shell(ShellJob),
}

#[derive(Debug, Serialize)]
pub struct PythonJob<'a> {
    /// The test files, as pytest's arguments (`tests/<file>`).
    pub args: Vec<String>,
    pub tests_dir: &'a str,
    /// Seconds a test may take.
    pub test_timeout: Option<f64>,
    pub output_cap: usize,
    pub message_cap: usize,
    /// The learner's files whose syntax is checked first.
    pub check_syntax: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct TestsJob<'a> {
    /// The learner's test files.
    pub files: Vec<&'a str>,
    /// The implementation's files, beside them.
    pub implementation: Vec<&'a str>,
    pub test_timeout: Option<f64>,
    /// Runs of each test in one job.
    pub repeat: u32,
    pub output_cap: usize,
    pub message_cap: usize,
    /// On an api exercise: the implementation is the exercise's app,
    /// served for the tests over HTTP.
    pub app: Option<AppUnderTest<'a>>,
}

/// The exercise's own app under the learner's tests (`grader_api.serve_held`).
#[derive(Debug, Serialize)]
pub struct AppUnderTest<'a> {
    /// The app's command; `{port}` is filled in.
    pub start: &'a [String],
    pub port: u16,
    pub jwt_secret: &'a str,
    pub services: &'a [Service],
    pub schema: Option<String>,
    pub env: &'a BTreeMap<String, String>,
    /// Polled with GET until it answers below 500, for `ready_deadline`
    /// seconds at most.
    pub ready_path: &'a str,
    pub ready_deadline: f64,
}

#[derive(Debug, Serialize)]
pub struct SqlJob<'a> {
    pub engines: &'a [Engine],
    pub mode: Mode,
    pub schema: &'a str,
    pub datasets: Vec<Dataset>,
    pub reference: &'a str,
    pub submission: &'a str,
    pub checks: Vec<Check<'a>>,
    /// A reference of its own per engine, for a dialect that needs one.
    pub references: BTreeMap<&'a str, String>,
    pub search_path: &'a [String],
    /// Seconds a statement may take.
    pub timeout: f64,
    pub max_rows: usize,
}

#[derive(Debug, Serialize)]
pub struct Dataset {
    /// The test file it came from: the tests' names.
    pub name: String,
    /// Where it is in the job.
    pub file: String,
}

#[derive(Debug, Serialize)]
pub struct Check<'a> {
    pub name: &'a str,
    pub sql: &'a str,
}

#[derive(Debug, Serialize)]
pub struct ApiJob<'a> {
    /// The app's command; `{port}` is filled in.
    pub start: &'a [String],
    pub port: u16,
    pub jwt_secret: &'a str,
    pub services: &'a [Service],
    /// The schema's SQL, loaded into PostgreSQL before the app starts.
    pub schema: Option<String>,
    pub worker: Option<&'a [String]>,
    pub env: &'a BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct ShellJob {
    /// The test files in the order they run (visible first), each with its
    /// tests' names as the grader read them.
    pub files: Vec<BatsFile>,
    /// Seconds one call of a learner's script may take.
    pub call_timeout: f64,
    pub message_cap: usize,
}

#[derive(Debug, Serialize)]
pub struct BatsFile {
    /// Under `tests/`.
    pub name: String,
    pub tests: Vec<String>,
}
